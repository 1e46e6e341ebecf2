-- projects_data.lua: the firm's running projects, as its project sheet exports them
-- (in production this file is regenerated from the sheet, or projects.lua asks the
-- firm's system over HTTP). `total` is the contract value in euros; `eta` the expected
-- start or end, `delivered` the hand-over date (ISO dates: shown in the customer's
-- language by projects.lua).
return {
  ["R-1041"] = { id = "R-1041", status = "processing", eta = "2026-06-12", total = 8400 },
  ["R-1042"] = { id = "R-1042", status = "delayed", eta = "2026-06-19", total = 6200 },
  ["R-1043"] = { id = "R-1043", status = "delivered", delivered = "2026-05-28", total = 5100 },
  ["R-1044"] = { id = "R-1044", status = "delivered", delivered = "2026-05-29", total = 180 },
  ["R-1045"] = { id = "R-1045", status = "shipped", eta = "2026-06-08", total = 12900 },
  ["R-1046"] = { id = "R-1046", status = "cancelled", total = 0 },
}
