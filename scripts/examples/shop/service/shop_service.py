#!/usr/bin/env python3
"""shop_service.py: a small fake online shop ("Bean & Brew": coffee beans and brewing
gear) for the shop example bot and its specs. Python standard library only.

Its catalogue and a few existing orders come from shop_data.json next to this file;
orders placed while it runs are kept in memory (a restart of the service forgets them).
Every request except the payment page needs the header  X-Shop-Key: <secret>.

  GET  /products?q=<words>&category=<id>   search (all words must match); up to 5 results
                                           with q, the whole category without
  GET  /categories                         [{id, name: {en, ru}, count}]
  GET  /products/<id>                      one product, 404 if unknown
  POST /orders                             {items: [{id, qty}], customer: {name, phone |
                                           email, address}, language, comment?, ref?}
                                           -> 201 {id, status: "created", total, currency,
                                           delivery, payment_url}; 400 bad input, 409 an
                                           item out of stock; the same ref returns the
                                           order made for it (a retried request)
  GET  /orders/<id>                        {id, status: created | paid | shipped | delayed
                                           | delivered, total, currency, eta?, delivered?,
                                           tracking_url?, payment_url?}
  POST /orders/<id>/claims                 {issue: "missing" | "damaged", details}
                                           -> 201 {claim_id}
  GET  /pay/<order id>                     the fake payment page: marks the order paid
                                           (no key needed: it is the customer's link)

Run by hand (for `parley chat`):
  python3 scripts/examples/shop/service/shop_service.py --port 8765
Specs run it with --port 0 (a free port) --port-file F --ttl 120; it binds 127.0.0.1 only.
"""
import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DELIVERY_FEE, FREE_DELIVERY_FROM = 4.9, 50.0


class Shop:
    def __init__(self, data):
        self.currency = data["currency"]
        self.categories = data["categories"]
        self.products = {p["id"]: p for p in data["products"]}
        self.orders = {k: dict(v, id=k) for k, v in data["orders"].items()}
        self.claims = []
        self.refs = {}
        self.next_id = 2001
        self.lock = threading.Lock()

    def public(self, p):
        return {k: p[k] for k in ("id", "category", "price", "stock", "name", "about")}

    def search(self, q, category):
        words = [w for w in q.lower().split() if w]
        out = []
        for p in self.products.values():
            if category and p["category"] != category:
                continue
            text = " ".join([p["words"], p["name"]["en"], p["name"]["ru"]]).lower()
            if all(w in text for w in words):
                out.append(self.public(p))
        return out[:5] if words else out

    def create_order(self, body, base):
        items, customer = body.get("items"), body.get("customer")
        if not isinstance(items, list) or not items or not isinstance(customer, dict):
            return 400, {"error": "items and customer are required"}
        if not customer.get("name") or not customer.get("address") or not (
                customer.get("phone") or customer.get("email")):
            return 400, {"error": "customer needs name, address and phone or email"}
        with self.lock:
            ref = body.get("ref")
            if ref and ref in self.refs:
                return 201, self.order_view(self.orders[self.refs[ref]], base)
            total = 0.0
            for it in items:
                p = self.products.get(str(it.get("id")))
                qty = it.get("qty")
                if p is None or not isinstance(qty, int) or qty < 1:
                    return 400, {"error": "bad item", "id": it.get("id")}
                if p["stock"] < qty:
                    return 409, {"error": "out of stock", "id": p["id"]}
                total += p["price"] * qty
            for it in items:
                self.products[it["id"]]["stock"] -= it["qty"]
            delivery = 0.0 if total >= FREE_DELIVERY_FROM else DELIVERY_FEE
            oid = "B-%d" % self.next_id
            self.next_id += 1
            self.orders[oid] = {"id": oid, "status": "created", "items": items,
                                "total": round(total + delivery, 2), "delivery": delivery,
                                "customer": customer, "comment": body.get("comment"),
                                "language": body.get("language")}
            if ref:
                self.refs[ref] = oid
            return 201, self.order_view(self.orders[oid], base)

    def order_view(self, o, base):
        v = {k: o[k] for k in ("id", "status", "total", "eta", "delivered", "tracking_url",
                               "delivery", "items") if o.get(k) is not None}
        v["currency"] = self.currency
        if o["status"] == "created":
            v["payment_url"] = base + "/pay/" + o["id"]
        return v


class Handler(BaseHTTPRequestHandler):
    shop = None
    secret = None
    base = None

    def reply(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        if self.headers.get("X-Shop-Key") == self.secret:
            return True
        self.reply(401, {"error": "missing or wrong X-Shop-Key"})
        return False

    def do_GET(self):
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        shop = self.shop
        if len(parts) == 2 and parts[0] == "pay":
            o = shop.orders.get(parts[1])
            if not o:
                return self.reply(404, "<h1>Unknown order</h1>", "text/html")
            if o["status"] == "created":
                o["status"] = "paid"
            return self.reply(200, "<h1>Bean &amp; Brew: order %s is paid. Thank you!</h1>" % o["id"],
                              "text/html; charset=utf-8")
        if not self.authorised():
            return
        query = parse_qs(url.query)
        if parts == ["products"]:
            return self.reply(200, shop.search(query.get("q", [""])[0], query.get("category", [""])[0]))
        if parts == ["categories"]:
            return self.reply(200, [dict(c, count=len(shop.search("", c["id"]))) for c in shop.categories])
        if len(parts) == 2 and parts[0] == "products":
            p = shop.products.get(parts[1])
            return self.reply(200, shop.public(p)) if p else self.reply(404, {"error": "no such product"})
        if len(parts) == 2 and parts[0] == "orders":
            o = shop.orders.get(parts[1])
            return self.reply(200, shop.order_view(o, self.base)) if o else self.reply(404, {"error": "no such order"})
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        if not self.authorised():
            return
        parts = [p for p in urlparse(self.path).path.split("/") if p]
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        except ValueError:
            return self.reply(400, {"error": "body is not JSON"})
        if not isinstance(body, dict):
            return self.reply(400, {"error": "body must be an object"})
        if parts == ["orders"]:
            return self.reply(*self.shop.create_order(body, self.base))
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "claims":
            o = self.shop.orders.get(parts[1])
            if not o:
                return self.reply(404, {"error": "no such order"})
            if body.get("issue") not in ("missing", "damaged") or not body.get("details"):
                return self.reply(400, {"error": "issue and details are required"})
            with self.shop.lock:
                self.shop.claims.append(dict(body, order=o["id"]))
                cid = "C-%d" % (100 + len(self.shop.claims))
            return self.reply(201, {"claim_id": cid})
        self.reply(404, {"error": "not found"})

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description="Bean & Brew fake shop service")
    ap.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--secret", default=os.environ.get("SHOP_SECRET", "bean-and-brew-demo"))
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "shop_data.json"))
    ap.add_argument("--ttl", type=float, default=0, help="stop after this many seconds (tests)")
    args = ap.parse_args()
    with open(args.data, encoding="utf-8") as f:
        Handler.shop = Shop(json.load(f))
    Handler.secret = args.secret
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    Handler.base = "http://127.0.0.1:%d" % port
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print("shop service on http://127.0.0.1:%d" % port, flush=True)
    if args.ttl:
        threading.Timer(args.ttl, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
