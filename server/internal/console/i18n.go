package console

import "strings"

// Lang is a language of the console: "en" or "ru".
type Lang string

func langOf(s string) Lang {
	if s == "ru" {
		return "ru"
	}
	return "en"
}

// russian is every text of the console in Russian, by its English text.
// A text without a translation shows in English (TestEveryTextIsTranslated
// keeps the list whole).
var russian = map[string]string{
	"Clinicians' console": "Консоль врача",
	"Development mode":    "Режим разработки",
	"anyone may sign in in any role; not for patients' data": "любой может войти в любой роли; не для данных пациентов",
	"Sign in":                "Вход",
	"Sign out":               "Выход",
	"Role":                   "Роль",
	"Your name or id":        "Ваше имя или код",
	"Worklist":               "Список задач",
	"Signed in as":           "Вы вошли как",
	"Language":               "Язык",
	"Patient":                "Пациент",
	"Case":                   "Случай",
	"Stage":                  "Этап",
	"Due":                    "Задача",
	"Since":                  "С",
	"By":                     "Срок",
	"overdue":                "просрочено",
	"flagged":                "отмечено",
	"due":                    "к исполнению",
	"Nothing is due.":        "Задач нет.",
	"Filter":                 "Фильтр",
	"any":                    "любой",
	"As of day":              "На день",
	"Show":                   "Показать",
	"Previous page":          "Предыдущая страница",
	"Next page":              "Следующая страница",
	"Page":                   "Страница",
	"Open a case":            "Открыть случай",
	"Case id":                "Код случая",
	"When it happened (UTC)": "Когда это было (UTC)",
	"Give":                   "Выполнить",
	"Where the case is":      "Где находится случай",
	"Timeline":               "Хронология",
	"When":                   "Когда",
	"Who":                    "Кто",
	"What":                   "Что",
	"Decisions":              "Решения",
	"Outcome":                "Итог",
	"Rules":                  "Правила",
	"Rules that fired":       "Сработавшие правила",
	"Facts read":             "Прочитанные факты",
	"Still unknown":          "Ещё неизвестно",
	"Question":               "Вопрос",
	"Unconfirmed values":     "Неподтверждённые значения",
	"unconfirmed: to be confirmed by the medical board": "не подтверждено: требует подтверждения медицинским советом",
	"Aftercare":                                 "Наблюдение после процедуры",
	"Calendar (.ics)":                           "Календарь (.ics)",
	"Leaflet in English":                        "Памятка на английском",
	"Leaflet in Russian":                        "Памятка на русском",
	"What you may do now":                       "Что вы можете сделать сейчас",
	"Your role gives no command at this stage.": "Ваша роль не выполняет команд на этом этапе.",
	"Refused by the procedure's rule":           "Отказано правилом процедуры",
	"The case changed since this page was shown: look again and repeat if still needed.": "Случай изменился после показа страницы: проверьте и повторите при необходимости.",
	"unknown":                              "неизвестно",
	"yes":                                  "да",
	"no":                                   "нет",
	"No such case.":                        "Нет такого случая.",
	"This page is not for your role.":      "Эта страница не для вашей роли.",
	"Your session is over: sign in again.": "Сеанс завершён: войдите снова.",
	"Back to the worklist":                 "Назад к списку задач",
	"Skip to the content":                  "Перейти к содержанию",
	"Closed":                               "Закрыт",
	"Facts":                                "Факты",
	"row":                                  "строка",
	"Choose your role":                     "Выберите роль",
	"You have several roles: choose the one for this session.": "У вас несколько ролей: выберите роль для этого сеанса.",
	"Sign in with the clinic's identity provider":              "Войти через систему входа клиники",
	"Your account has no role of the procedure.":               "У вашей учётной записи нет роли в процедуре.",
	"Rules in force": "Действующие правила",
	"Digest":         "Дайджест",
	"Source":         "Источник",
	"Loaded":         "Загружены",
	"Board approval": "Одобрение совета",
	"approved":       "одобрен",
	"not approved":   "не одобрен",
	"of":             "из",
	"built-in":       "встроенные",
	"directory":      "из каталога",
	"The board's checklist: values not yet confirmed": "Список для совета: ещё не подтверждённые значения",
	"Every value is confirmed by the medical board.":  "Все значения подтверждены медицинским советом.",
	"Playground": "Песочница правил",
	"Edit a ruleset and see its problems as you type. Nothing here changes the rules in force, and nothing is kept.": "Редактируйте набор правил и сразу видьте ошибки. Здесь ничто не меняет действующие правила и ничего не сохраняется.",
	"Open a ruleset in force": "Открыть действующий набор правил",
	"Rule file (YAML)":        "Файл правил (YAML)",
	"Or upload a rule file":   "Или загрузите файл правил",
	"Lint and run its tests":  "Проверить и запустить тесты",
	"Problems and tests":      "Ошибки и тесты",
	"problem(s)":              "ошибок",
	"ok":                      "без ошибок",
	"rule(s)":                 "правил",
	"test(s)":                 "тестов",
	"passed":                  "пройден",
	"failed":                  "не пройден",
	"A patient's facts (JSON), to see the decision":                                    "Факты пациента (JSON), чтобы увидеть решение",
	"A population (JSON Lines of facts), to see the impact against the rules in force": "Группа пациентов (JSON Lines), чтобы увидеть отличия от действующих правил",
	"The decision for the facts":                                                       "Решение по фактам",
	"Impact against the rules in force":                                                "Отличия от действующих правил",
	"patients":                                                                         "пациентов",
	"moved":                                                                            "с другим итогом",
	"In force":                                                                         "Действующие",
	"Tried":                                                                            "Испытываемые",
	"Patients":                                                                         "Пациенты",
	"Moved patients":                                                                   "Пациенты с другим итогом",
	"Line":                                                                             "Строка",
	"What changed":                                                                     "Что изменилось",
	"Outcomes: from the rules in force (rows) to the rules tried (columns), as celltherapy diff prints them": "Итоги: от действующих правил (строки) к испытываемым (столбцы), как их печатает celltherapy diff",
	"read":                        "прочитано",
	"Findings":                    "Находки",
	"No finding or flag is open.": "Открытых находок и отметок нет.",
	"referred to the board":       "передано совету",
	"For":                         "Для",
	"event":                       "событие",
	"A request from another site is refused.": "Запрос с другого сайта отклонён.",
	"internal error":   "внутренняя ошибка",
	"No such page.":    "Нет такой страницы.",
	"No such command.": "Нет такой команды.",
	"The sign-in was not started here or took too long: sign in again.": "Вход начат не здесь или длился слишком долго: войдите снова.",
	"The identity provider did not complete the sign-in.":               "Система входа клиники не завершила вход.",
	"The identity provider's answer did not verify: sign in again.":     "Ответ системы входа клиники не прошёл проверку: войдите снова.",
	"Choose one of your roles.":                                         "Выберите одну из своих ролей.",
	"The rule file is over 1 MiB or could not be read.":                 "Файл правил больше 1 МиБ или не читается.",
	"The population is over 1 MiB or could not be read.":                "Файл группы пациентов больше 1 МиБ или не читается.",
	"State": "Состояние",
	// Roles.
	"administrator": "администратор", "doctor": "врач", "board": "медицинский совет", "lab": "лаборатория",
	"nurse": "медсестра", "auditor": "аудитор",
	// Stages.
	"booking": "запись", "consultation": "консультация", "diagnostics": "диагностика", "board-review": "рассмотрение советом",
	"consent": "согласие", "preparation": "подготовка клеток", "administration": "введение", "follow-up": "наблюдение", "closed": "закрыт",
	// Commands.
	"open-case": "открыть случай", "book-appointment": "записать на консультацию", "cancel-case": "отменить случай",
	"record-consultation": "записать пункт консультации", "record-measure-result": "записать результат обследования",
	"cancel-measure": "отменить обследование", "screen": "проверить противопоказания", "select-therapy": "выбрать терапию",
	"propose-plan": "предложить план", "decline": "отказать по противопоказанию", "agree": "согласие пациента",
	"refuse": "отказ пациента", "collect-biomaterial": "забор биоматериала", "start-culture": "начать культивирование",
	"fail-culture": "неудачное культивирование", "allocate-lot": "выделить донорскую партию", "release-product": "выпустить продукт",
	"administer": "ввести продукт", "refer-to-board": "вернуть на совет", "record-contact": "записать контакт",
	"report-side-effect": "сообщить о побочном эффекте", "review-side-effect": "рассмотреть побочный эффект",
	"record-adverse-event": "записать нежелательное явление", "assess-effectiveness": "оценить эффективность",
	"complete": "завершить случай", "withdraw": "пациент выбыл", "record-missed-contact": "записать пропущенный контакт",
	// Due kinds.
	"consultation-due": "консультация", "book-appointment-due": "запись", "board-review-due": "рассмотрение советом",
	"flagged-report": "отмеченное сообщение", "contact": "контакт", "administration-due": "введение",
	"culture-release": "выпуск продукта", "donor-lot": "донорская партия",
	"contraindication-found": "найдено противопоказание", "severe-adverse-event": "тяжёлое нежелательное явление",
	"culture-failed": "неудачное культивирование", "missed-contact": "пропущенный контакт", "product-expiring": "истекает срок годности продукта",
	// Events.
	"case-opened": "случай открыт", "appointment-booked": "запись на консультацию", "consultation-item-recorded": "записан пункт консультации",
	"measure-resulted": "получен результат обследования", "measure-cancelled": "обследование отменено", "screening-recorded": "проверка противопоказаний",
	"therapy-selected": "выбрана терапия", "plan-proposed": "предложен план", "consent-given": "согласие получено", "consent-refused": "отказ пациента",
	"biomaterial-collected": "биоматериал забран", "culture-started": "культивирование начато",
	"lot-allocated": "партия выделена", "product-released": "продукт выпущен", "administered": "продукт введён", "aftercare-planned": "план наблюдения",
	"referred-to-board": "передано совету", "contact-recorded": "контакт записан", "contact-missed": "контакт пропущен",
	"side-effect-triaged": "сообщение о побочном эффекте оценено", "side-effect-reviewed": "побочный эффект рассмотрен",
	"adverse-event-recorded": "нежелательное явление записано", "effectiveness-assessed": "эффективность оценена",
	"stage-changed": "смена этапа", "case-closed": "случай закрыт",
	// Outcomes of a case.
	"completed": "завершён", "declined": "отказано по противопоказанию", "refused": "отказ пациента", "withdrawn": "пациент выбыл", "cancelled": "отменён",
}

// tr returns text in lang.
func tr(lang Lang, text string) string {
	if lang == "ru" {
		if s, ok := russian[text]; ok {
			return s
		}
		if s, ok := russian[strings.ToLower(text)]; ok {
			return s
		}
	}
	return text
}
