-- The language comes from the user's choice, else the channel's language tag, else the
-- default; missing keys fall back along the chain; plurals follow each language's rules;
-- the bot's texts win over a library module's defaults, whichever was defined first.

scenario("the default language, interpolation and English plurals", function(u)
  u:send("/hello")
  u:expect{ text = "Hello, user!" }
  u:send("/points 1")
  u:expect{ text = "1 point" }
  u:send("/points 5")
  u:expect{ text = "5 points" }
end)

scenario("a user's own choice wins; Russian plural forms", function(u)
  u:send("/lang ru")
  u:expect{ text = "ok ru" }
  u:send("/hello")
  u:expect{ text = "Привет, user!" }
  for n, want in pairs({ [1] = "1 балл", [3] = "3 балла", [5] = "5 баллов", [11] = "11 баллов",
                         [21] = "21 балл", [22] = "22 балла", [112] = "112 баллов" }) do
    u:send("/points " .. n)
    u:expect{ text = want }
  end
end)

scenario("a key the language lacks falls back to the default; a missing key shows itself", function(u)
  u:send("/lang ru")
  u:send("/only")
  u:expect{ text = "English only" }
  u:send("/missing")
  u:expect{ text = "no.such.key" }
  assert(logs():find('i18n: no text for "no.such.key"', 1, true), logs())
end)

scenario("an unknown language is refused and changes nothing", function(u)
  u:send("/lang fr")
  u:expect{ text = "no fr" }
  u:send("/locale")
  u:expect{ text = "en" }
end)

scenario("the channel's language tag picks the table; a fallback chain covers a neighbour", function(u)
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/hello")
  ivan:expect{ text = "Привет, ivan!" }
  local olena = user("olena", { language = "uk" })  -- no Ukrainian table: uk -> ru
  olena:send("/locale")
  olena:expect{ text = "uk" }
  olena:send("/hello")
  olena:expect{ text = "Привет, olena!" }
  local pierre = user("pierre", { language = "fr-FR" })  -- nothing for French: the default
  pierre:send("/hello")
  pierre:expect{ text = "Hello, pierre!" }
end)

scenario("a bot's override defined before requiring the module wins over the module's default", function(u)
  u:send("/menu")
  u:press("Sub")
  u:expect{ text = "Sub\n\nNo items", buttons = { "⟵ Return" } }
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/menu")
  ivan:press("Раздел")                       -- "menu.empty" is overridden in English only:
  ivan:expect{ text = "Раздел\n\nЗдесь пока пусто.", buttons = { "⟵ Вернуться" } }  -- the module's Russian
  reload()
  restart()
  u:send("/menu")
  u:press("Sub")
  u:expect{ text = "Sub\n\nNo items", buttons = { "⟵ Return" } }
  u:send("/lang ru")                         -- the user's choice, then the module's texts
  u:send("/menu")
  u:press("Раздел")
  u:expect{ text = "Раздел\n\nЗдесь пока пусто.", buttons = { "⟵ Вернуться" } }
end)
