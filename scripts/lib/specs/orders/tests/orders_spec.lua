-- orders_spec.lua: the status in words; delays; delivered but not received (disputed:
-- escalated), damaged (a claim, escalated when costly); unknown numbers asked once more,
-- then a person; the service down; a real HTTP service; restarts and reloads.

local HUMAN = "Talk to a person"

local function dir() return debug.getinfo(2, "S").source:match("^@(.*)/tests/[^/]*$") end

local function with_variant(code, fn)
  local path = dir() .. "/variant.lua"
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local ok, err = pcall(function() reload() fn() end)
  os.remove(path)
  reload()
  assert(ok, err)
end

scenario("statuses in words: shipped, delayed, processing, an unknown status", function(u)
  u:send("/order")
  u:expect{ text = "Please send your order number.", buttons = { HUMAN } }
  u:send("#1001")
  local r = u:replies()[1]
  assert(r.text == "Order 1001 is on its way; expected 5 June.", r.text)
  assert(r.buttons[1][1].url == "https://track.example/1001" and r.buttons[2][1].label == HUMAN)
  u:send("/order")
  u:send(" 1002 ")
  u:expect{ text = "Order 1002 is delayed, sorry for the wait. New expected date: 9 June." }
  u:send("/order")
  u:send("1005")
  u:expect{ text = "Order 1005 is being prepared." }
  u:send("/order")
  u:send("1006")
  u:expect{ text = "Order 1006: returned." }
  u:send("where is it?")                       -- no question pending: the bot's own handler
  u:expect{ text = "Type /order to check an order." }
  assert(store("orders:stats:completed") == 4 and store("orders:stats:delayed") == 1)
end)

scenario("delivered and received; a small damaged order becomes a claim", function(u)
  u:send("/order")
  u:send("1003")
  u:expect{ text = "Order 1003 was delivered on 1 June. Did you receive it?",
            buttons = { "All good", "I didn't receive it", "It arrived damaged", HUMAN } }
  u:press("All good")
  u:expect{ text = "Glad to hear it!" }
  u:send("/order")
  u:send("1003")
  u:press("It arrived damaged")
  u:expect{ contains = "Please describe the damage" }
  u:send("ok")                                 -- too short
  u:expect{ text = "A few words more, please (at least 5 characters)." }
  u:send("The mug is broken in two")
  u:expect{ text = "Thank you. Claim 1003 is registered: we will send a replacement within 3 working days." }
  local c = store("orders:claim:1003")
  assert(c.issue == "damaged" and c.details == "The mug is broken in two" and c.escalated == false)
  assert(store("orders:stats:claims") == 1 and store("orders:stats:escalated") == nil)
  u:send("thanks")
  u:expect{ text = "Type /order to check an order." }
end)

scenario("a costly damaged order, and any order not received, are escalated with priority", function(u)
  local m = user("manager")
  u:send("/order")
  u:send("1004")
  u:press("It arrived damaged")
  u:send("The screen is cracked")
  u:expect{ text = "Thank you. Your case is passed to a specialist with high priority; they will write to you here." }
  m:expect{ text = "[HIGH PRIORITY] Order 1004 (EUR 450.00): arrived damaged. Customer user (console:user). "
                .. "The screen is cracked" }
  assert(logs():find("owned by the operator: orders: high priority: damaged (order 1004)", 1, true), logs())
  u:send("hello?")
  u:expect{ none = true }

  local ann = user("ann")
  ann:send("/order")
  ann:send("1003")                             -- cheap, but the carrier and the customer disagree
  ann:press("I didn't receive it")
  ann:expect{ contains = "Please describe what happened" }
  ann:send("Nothing at the door, neighbours saw nothing")
  ann:expect{ contains = "high priority" }
  m:expect{ text = "[HIGH PRIORITY] Order 1003 (EUR 35.00): delivered but not received (disputed). "
                .. "Customer ann (console:ann). Nothing at the door, neighbours saw nothing" }
  assert(store("orders:stats:escalated") == 2 and store("orders:claim:1003").issue == "missing")
  assert(store("orders:stats:handoff") == 2)     -- an escalation is a handoff too
end)

scenario("an unknown number is asked again once, then a person takes over", function(u)
  local m = user("manager")
  u:send("/order")
  u:send("12")                                 -- not an order number at all
  u:expect{ text = "An order number looks like 12345. Please send it again." }
  u:send("4242")
  u:expect{ text = "I can't find order 4242. Please check the number and send it again.", buttons = { HUMAN } }
  u:send("4243")
  u:expect{ text = "A person will look into it and write to you here." }
  m:expect{ text = "Order 4243 (?): order number not found twice. Customer user (console:user). Tried: 4243" }
  assert(store("orders:stats:handoff") == 1)

  local ann = user("ann")
  ann:send("/order")
  ann:send("???")
  ann:send("!!")
  ann:send("my order")                        -- three times not a number
  ann:expect{ text = "A person will look into it and write to you here." }
  m:expect{ text = "Order ? (?): no valid order number after three tries. Customer ann (console:ann). Typed: my order" }
  assert(store("orders:stats:handoff") == 2)
end)

scenario("the service is down: try again, or a person", function(u)
  local m = user("manager")
  u:send("/order")
  u:send("9999")
  u:expect{ text = "The order service is not answering right now.", buttons = { "Try again", HUMAN } }
  assert(logs():find("orders: lookup of 9999 failed: connection refused", 1, true), logs())
  u:press("Try again")
  u:expect{ text = "The order service is not answering right now." }
  u:press(HUMAN)
  u:expect{ text = "A person will look into it and write to you here." }
  m:expect{ text = "Order 9999 (?): the order service did not answer. Customer user (console:user). " }
  assert(store("orders:stats:service_errors") == 2)
end)

scenario("a restart while the details are asked for", function(u)
  u:send("/order")
  u:send("1003")
  u:press("It arrived damaged")
  restart()
  u:send("Box crushed, plate broken")
  u:expect{ contains = "Claim 1003 is registered" }
end)

scenario("a reload lowering the threshold while the details are asked for", function(u)
  local m = user("manager")
  u:send("/order")
  u:send("1003")
  u:press("It arrived damaged")
  with_variant([[return { threshold = 30 }]], function()
    u:send("Box crushed, plate broken")        -- EUR 35 is costly now
    u:expect{ contains = "high priority" }
    m:expect{ contains = "[HIGH PRIORITY] Order 1003 (EUR 35.00): arrived damaged." }
  end)
end)

-- The shop's service over real HTTP: a small Python server on a free port (python3 is
-- required by the test suite anyway), serving /orders/<id>, 404 for others, 500 for 500.
local SERVER = [[
import http.server, json, sys, threading
ORDERS = {"2001": {"id": "2001", "status": "delivered", "delivered": "2 June", "total": 19.5}}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        oid = self.path.rsplit("/", 1)[-1]
        if self.headers.get("Authorization") != "Bearer s3cret": code, body = 401, {}
        elif oid == "500": code, body = 500, {"error": "boom"}
        elif oid in ORDERS: code, body = 200, ORDERS[oid]
        else: code, body = 404, {"error": "not found"}
        data = json.dumps(body).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
threading.Timer(60, s.shutdown).start()
s.serve_forever()
]]

local function start_server()
  local base = os.tmpname()
  local f = assert(io.open(base .. ".py", "w"))
  f:write(SERVER)
  f:close()
  os.remove(base)
  local pid = io.popen("python3 " .. base .. ".py " .. base .. ".port >/dev/null 2>&1 & echo $!"):read("l")
  local port
  for _ = 1, 100 do
    local p = io.open(base .. ".port")
    port = p and p:read("l")
    if p then p:close() end
    if port and #port > 0 then break end
    os.execute("sleep 0.05")
  end
  assert(port and #port > 0, "the test HTTP server did not start")
  return port, function()
    os.execute("kill " .. pid .. " 2>/dev/null")
    os.remove(base .. ".py")
    os.remove(base .. ".port")
  end
end

scenario("a real HTTP service: found, not found (404), failing (500), refused (401)", function(u)
  local port, stop = start_server()
  local url = "http://127.0.0.1:" .. port .. "/orders/{id}"
  local ok, err = pcall(function()
    with_variant(([[return { url = %q }]]):format(url), function()
      u:send("/order")                         -- no Authorization header: the server says 401
      u:send("2001")
      u:expect{ text = "The order service is not answering right now." }
      assert(logs():find("orders: lookup of 2001 failed: HTTP 401", 1, true), logs())
    end)
    with_variant(([[return { url = %q, headers = { Authorization = "Bearer s3cret" } }]]):format(url), function()
      u:send("/order")
      u:send("2001")
      u:expect{ text = "Order 2001 was delivered on 2 June. Did you receive it?" }
      u:send("/order")
      u:send("2002")
      u:expect{ text = "I can't find order 2002. Please check the number and send it again." }
      u:send("500")
      u:expect{ text = "The order service is not answering right now." }
      assert(logs():find("orders: lookup of 500 failed: HTTP 500", 1, true), logs())
    end)
  end)
  stop()
  assert(ok, err)
end)

scenario("Russian texts", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/order")
  ivan:expect{ text = "Пришлите, пожалуйста, номер заказа.", buttons = { "Поговорить с человеком" } }
  ivan:send("№ 1003")
  ivan:expect{ text = "Заказ 1003 доставлен 1 June. Вы его получили?",
               buttons = { "Всё в порядке", "Я его не получил", "Пришёл повреждённым", "Поговорить с человеком" } }
  ivan:press("Пришёл повреждённым")
  ivan:expect{ contains = "Опишите, пожалуйста, повреждения" }
  ivan:send("Коробка смята, тарелка разбита")
  ivan:expect{ text = "Спасибо. Заявка 1003 зарегистрирована: мы отправим замену в течение 3 рабочих дней." }
  ivan:send("/order")
  ivan:send("777")
  ivan:expect{ text = "Не могу найти заказ 777. Проверьте номер и пришлите его ещё раз." }
end)

scenario("a Russian-speaking manager gets the case in Russian", function(u)
  local m = user("manager")
  with_variant([[return { manager_locale = "ru" }]], function()
    u:send("/order")
    u:send("1004")
    u:press("It arrived damaged")
    u:send("The screen is cracked")
    u:expect{ contains = "high priority" }     -- the customer keeps their language
    m:expect{ text = "[ВЫСОКИЙ ПРИОРИТЕТ] Заказ 1004 (EUR 450.00): пришёл повреждённым. "
                  .. "Клиент user (console:user). The screen is cracked" }
  end)
end)
