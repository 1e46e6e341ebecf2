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

scenario("dates in Russian: genitive months with a day, nominative alone, weekdays", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/date %-d %B")
  ivan:expect{ text = "18 июня" }
  ivan:send("/date %A, %-d %B %Y, %H:%M")
  ivan:expect{ text = "четверг, 18 июня 2026, 09:30" }
  ivan:send("/date %a %d %b")
  ivan:expect{ text = "Чт 18 июн" }
  ivan:send("/date %OB %Y")
  ivan:expect{ text = "июнь 2026" }
  ivan:send("/date 100%% %a, %%a")              -- %% stays a percent sign
  ivan:expect{ text = "100% Чт, %a" }
  ivan:send("/today %A %-d %B")                 -- the spec clock: 1 June 2026
  ivan:expect{ text = "понедельник 1 июня" }
  local months = {}
  for n = 1, 12 do
    ivan:send("/month " .. n .. " %-d %B|%OB|%b")
    months[n] = ivan:replies()[1].text
  end
  assert(table.concat(months, " ") == "1 января|январь|янв 1 февраля|февраль|фев 1 марта|март|мар "
    .. "1 апреля|апрель|апр 1 мая|май|мая 1 июня|июнь|июн 1 июля|июль|июл 1 августа|август|авг "
    .. "1 сентября|сентябрь|сен 1 октября|октябрь|окт 1 ноября|ноябрь|ноя 1 декабря|декабрь|дек",
    table.concat(months, " "))
  local olena = user("olena", { language = "uk-UA" })   -- the fallback chain: uk -> ru
  olena:send("/date %-d %B")
  olena:expect{ text = "18 июня" }
end)

scenario("dates in English, UTC with a leading !, and the user's own language", function(u)
  u:send("/date %A, %B %-d, %H:%M")
  u:expect{ text = "Thursday, June 18, 09:30" }
  u:send("/date %a %d %b")
  u:expect{ text = "Thu 18 Jun" }
  u:send("/date !%a %-d %b %H:%M")             -- 09:30 in Berlin is 07:30 UTC
  u:expect{ text = "Thu 18 Jun 07:30" }
  u:send("/lang ru")
  u:send("/date %a, %-d %B")
  u:expect{ text = "Чт, 18 июня" }
  local hans = user("hans", { language = "de-DE" })     -- no German names: English ones
  hans:send("/date %A %-d %B")
  hans:expect{ text = "Thursday 18 June" }
  assert(not logs():find("date.months", 1, true), logs())
end)

scenario("dates fall back to English names when neither the user's language nor the default has them", function()
  local lucia = user("lucia", { language = "es-ES" })   -- Spanish texts, no Spanish names
  lucia:send("/hello")
  lucia:expect{ text = "¡Hola, lucia!" }
  lucia:send("/date_es %A %-d %B %Y, %H:%M")
  lucia:expect{ text = "Thursday 18 June 2026, 09:30" }
  lucia:send("/date_es %a %d %b, %OB")
  lucia:expect{ text = "Thu 18 Jun, June" }
  local hans = user("hans", { language = "de-DE" })     -- no German at all: the default, Spanish
  hans:send("/date_es %A %-d %B")
  hans:expect{ text = "Thursday 18 June" }
  local ivan = user("ivan", { language = "ru-RU" })     -- a language with names keeps them
  ivan:send("/date_es %A %-d %B")
  ivan:expect{ text = "четверг 18 июня" }
  assert(not logs():find("date.", 1, true), logs())
end)
