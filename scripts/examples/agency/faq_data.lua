-- faq_data.lua: the firm's FAQ (library faq). Questions nobody answers here go to
-- the manager (faq's human fallback).
return {
  { id = "warranty",
    keywords = { en = { "warranty", "guarantee", "defects" }, ru = { "гарантия", "гарантию", "дефекты" } },
    phrasings = { en = { "how long is the warranty" }, ru = { "какая гарантия" } },
    question = { en = "Is there a warranty?", ru = "Есть ли гарантия?" },
    answer = { en = "Yes: 5 years on all our works and the manufacturer's warranty on materials we supply.",
               ru = "Да: 5 лет на все наши работы и гарантия производителя на наши материалы." } },
  { id = "payment",
    keywords = { en = { "pay", "payment", "deposit", "instalments", "invoice" },
                 ru = { "оплата", "оплатить", "предоплата", "рассрочка", "счёт" } },
    question = { en = "How do I pay?", ru = "Как оплачивать?" },
    answer = { en = "30% deposit to confirm a quote, 40% when the rough works are done, "
                 .. "30% at hand-over. Card or bank transfer.",
               ru = "30% предоплаты при подтверждении сметы, 40% после черновых работ, 30% при сдаче. "
                 .. "Картой или переводом." } },
  { id = "permits",
    keywords = { en = { "permit", "permission", "landlord", "hausverwaltung" },
                 ru = { "разрешение", "согласование", "хозяин", "управляющая" } },
    question = { en = "Do I need a permit?", ru = "Нужно ли разрешение?" },
    answer = { en = "Not for cosmetic works. For walls, plumbing risers or electrics we prepare "
                 .. "the papers for your landlord or Hausverwaltung.",
               ru = "Для косметического ремонта — нет. Для стен, стояков и электрики мы готовим "
                 .. "документы для арендодателя или управляющей компании." } },
  { id = "noise",
    keywords = { en = { "noise", "noisy", "hours", "weekend", "neighbours" },
                 ru = { "шум", "шумные", "часы", "выходные", "соседи" } },
    question = { en = "When do you work?", ru = "Когда вы работаете?" },
    answer = { en = "Mon–Fri 8:00–18:00; noisy works 9:00–13:00 and 15:00–18:00, never on weekends.",
               ru = "Пн–пт 8:00–18:00; шумные работы 9:00–13:00 и 15:00–18:00, в выходные — никогда." } },
  { id = "cleaning",
    keywords = { en = { "cleaning", "dust", "rubbish", "waste" }, ru = { "уборка", "пыль", "мусор" } },
    question = { en = "Who cleans up?", ru = "Кто убирает?" },
    answer = { en = "We do: daily dust control, and rubbish removal and a final clean are in every quote.",
               ru = "Мы: ежедневно убираем пыль, вывоз мусора и финальная уборка входят в каждую смету." } },
}
