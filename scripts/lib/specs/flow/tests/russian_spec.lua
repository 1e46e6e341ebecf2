-- russian_spec.lua: a Russian-speaking user gets the form and the module's words in
-- Russian, steers it with Russian words, and picks a choice typed in any case.

scenario("the sign-up form in Russian: questions, buttons, errors, plurals, words", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/signup")
  ivan:expect{ text = "Как вас зовут?", buttons = { "Отмена" } }
  ivan:send("И")
  ivan:expect{ text = "Пожалуйста, напишите хотя бы 2 символа.\n\nКак вас зовут?" }
  ivan:send("назад")
  ivan:expect{ match = "^Это первый вопрос%.\n\nКак вас зовут%?" }
  ivan:send("Иван")
  ivan:expect{ text = "Приятно познакомиться, Иван! Чем вы занимаетесь?",
               buttons = { "Разработчик", "Дизайнер", "Студент", "Назад", "Отмена" } }
  ivan:send("разработчик")           -- typed in lower case: folded, not the runtime's ASCII match
  ivan:expect{ text = "Где вы работаете?", buttons = { "Назад", "Отмена" } }
  ivan:send("Назад")
  ivan:expect{ contains = "Чем вы занимаетесь?" }
  ivan:send("ДИЗАЙНЕР")
  ivan:send("Студия")
  ivan:expect{ text = "Сколько гостей вы приведёте?\n(/back — предыдущий вопрос, /cancel — прервать)" }
  ivan:send("пять")
  ivan:expect{ text = "Пожалуйста, пришлите число, например 3.\nОт 0 до 3; напишите 0, если придёте один.\n\n"
    .. "Сколько гостей вы приведёте?\n(/back — предыдущий вопрос, /cancel — прервать)" }
  ivan:send("9")
  ivan:expect{ match = "^Пожалуйста, пришлите число от 0 до 3%." }
  ivan:send("2")
  ivan:expect{ text = "Ваш телефон, на случай если понадобится связаться?",
               buttons = { "Пропустить", "Назад", "Отмена" } }
  ivan:send("телефон")
  ivan:expect{ match = "^Это не похоже на номер телефона" }
  ivan:send("пропустить")
  ivan:expect{ text = "Ваш e-mail для билета?" }
  ivan:send("пропуск")
  ivan:expect{ match = "^На этот вопрос нужно ответить%." }
  ivan:send("ivan@example.ru")
  ivan:send("завтра 9:30")
  ivan:expect{ text = "Done: company=Студия; email=ivan@example.ru; guests=2; name=Иван; role=design; "
    .. "slot=2026-06-02 09:30 (07:30 UTC)" }
  assert(not logs():find("i18n: no text", 1, true), logs())
end)

scenario("Russian: cancel by word, the module's own cancel text, length plurals", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/probe text")
  ivan:send("отмена")
  ivan:expect{ text = "Отменено. Ничего не сохранено." }
  ivan:send("/probe text")
  ivan:send("слишком")
  ivan:expect{ match = "^Пожалуйста, уложитесь в 5 символов%." }
  ivan:send("Отменить")
  ivan:expect{ text = "Отменено. Ничего не сохранено." }
  ivan:send("/probe future")
  ivan:send("01.01.2027")
  ivan:expect{ match = "^Пожалуйста, не позже 2026%-12%-31%." }
  ivan:send("31.05.2026")
  ivan:expect{ match = "^Это время уже прошло" }
  ivan:send("/probe wait")
  ivan:advance("30m")
  ivan:expect{ text = "Вы ещё здесь? Ответы, которые вы уже дали, сохранены.\n\nYour answer?" }
end)
