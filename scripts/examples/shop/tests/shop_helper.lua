-- shop_helper.lua: what every shop spec shares (loaded with dofile; not a spec itself).
--
-- shop.run(fn, extra): starts service/shop_service.py on a free port of 127.0.0.1,
-- writes ../variant.lua pointing the bot at it (plus the fields of `extra`), reloads,
-- and runs fn(svc). Whatever fn does — pass, fail an expectation, raise — the service
-- is stopped by its PID, variant.lua removed and the code reloaded before the
-- scenario's result is reported. The service also stops itself after two minutes, in
-- case the whole spec process dies.
--
-- svc.url, svc.stop() (the shop goes down mid-scenario), svc.start() (up again on the
-- same port), svc.variant(extra) (rewrite variant.lua and reload: changed code),
-- svc.pay(order_id) (the customer opens the payment link).
local shop = {}

local DIR = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local SERVICE = DIR .. "/service/shop_service.py"
local VARIANT = DIR .. "/variant.lua"

local function sh(cmd) return io.popen(cmd):read("a") end

local function write_variant(url, extra)
  local f = assert(io.open(VARIANT, "w"))
  f:write("-- written by tests/shop_helper.lua for one scenario; removed after it\nreturn {\n")
  f:write(("  service = %q,\n"):format(url))
  for k, v in pairs(extra or {}) do f:write(("  %s = %s,\n"):format(k, type(v) == "string" and ("%q"):format(v) or tostring(v))) end
  f:write("}\n")
  f:close()
  reload()
end

-- Starts the service on `port` (0: a free one); returns its pid and port.
local function spawn(port)
  local pf = os.tmpname()
  os.remove(pf)
  local pid = sh(("python3 %q --port %d --port-file %q --ttl 120 >/dev/null 2>&1 & echo $!"):format(SERVICE, port, pf))
  pid = assert(pid:match("%d+"), "could not start the shop service")
  local got
  for _ = 1, 200 do
    local f = io.open(pf)
    if f then got = f:read("l") f:close() end
    if got and #got > 0 then break end
    os.execute("sleep 0.05")
  end
  os.remove(pf)
  if not (got and #got > 0) then
    os.execute("kill " .. pid .. " 2>/dev/null")
    error("the shop service did not start")
  end
  return pid, tonumber(got)
end

function shop.run(fn, extra)
  local pid, port = spawn(0)
  local svc = { url = "http://127.0.0.1:" .. port }
  function svc.stop()
    if pid then os.execute("kill " .. pid .. " 2>/dev/null; sleep 0.1") end
    pid = nil
  end
  function svc.start()
    for _ = 1, 20 do                       -- the old socket may linger a moment
      local ok, p = pcall(spawn, port)
      if ok then pid = p return end
      os.execute("sleep 0.1")
    end
    error("the shop service did not start again on port " .. port)
  end
  function svc.variant(more)
    local all = {}
    for k, v in pairs(extra or {}) do all[k] = v end
    for k, v in pairs(more or {}) do all[k] = v end
    write_variant(svc.url, all)
  end
  function svc.pay(id)
    return sh(("python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' %q")
      :format(svc.url .. "/pay/" .. id))
  end
  local ok, err = pcall(function()
    write_variant(svc.url, extra)
    fn(svc)
  end)
  svc.stop()
  os.remove(VARIANT)
  reload()
  assert(ok, err)
end

-- The labels of a reply's buttons and card buttons, and its url buttons as label -> url.
function shop.urls(reply)
  local out = {}
  for _, row in ipairs(reply.buttons or {}) do
    for _, b in ipairs(row) do if b.url then out[b.label] = b.url end end
  end
  return out
end

-- The last pending reply (consumes the pending replies).
function shop.last(u)
  local r = u:replies()
  assert(#r > 0, "expected a reply")
  return r[#r]
end

return shop
