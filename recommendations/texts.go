package recommendations

import (
	"fmt"
	"time"
)

// texts are the fixed words of the leaflet and the calendar in one language;
// the words of the rules (items, purposes) come in the plan.
type texts struct {
	locale                         string
	title, treatment, route, site  string // treatment has the time and the zone
	whatToDo, fromUntil, fromOn    string // fromUntil: from, until; fromOn: from
	doctorsOwn                     string
	staysInTouch, proposedDates    string
	toBeConfirmed, periodToConfirm string
	windowToConfirm                string
	call, visit, effectiveness     string
	unwell, expected               string
	contactAfter, contactLonger    string // contactAfter has the end of the window
	selfMedication                 string
	calendarName, fromNowOn        string
	appliesFrom, proposedDayDetail string // appliesFrom has the start
}

var english = texts{
	locale:            "en",
	title:             "AFTERCARE AFTER YOUR STEM CELL TREATMENT",
	treatment:         "Treatment:  %s (times are in this time zone: UTC%s)",
	route:             "Route:      ",
	site:              "Site:       ",
	whatToDo:          "WHAT TO DO",
	fromUntil:         "From %s until %s.",
	fromOn:            "From %s until your doctor says otherwise.",
	doctorsOwn:        "(Your doctor's individual recommendation.)",
	staysInTouch:      "YOUR DOCTOR STAYS IN TOUCH",
	proposedDates:     "These dates are proposed; your doctor will confirm each one with you.",
	toBeConfirmed:     "(date to be confirmed by your doctor)",
	periodToConfirm:   "(Your doctor will confirm this period with you.)",
	windowToConfirm:   " Your doctor will confirm this time with you.",
	call:              "Call from your doctor",
	visit:             "Visit to the clinic",
	effectiveness:     " (effectiveness of the treatment)",
	unwell:            "IF YOU FEEL UNWELL",
	expected:          "Fever, headache, nausea, and pain or redness at the injection site can occur after the procedure. They usually pass within 24 hours and never last more than three days.",
	contactAfter:      " Contact the clinic if a symptom is still there after %s, or began after that; if pain or redness at the injection site begins only some time after the procedure; or if you have any other symptom.",
	contactLonger:     " Contact the clinic if a symptom lasts longer, or if you have any other symptom.",
	selfMedication:    "Self-medication can be harmful to your health.",
	calendarName:      "Aftercare after stem cell treatment",
	fromNowOn:         "From now on: ",
	appliesFrom:       "This applies from %s until your doctor says otherwise.",
	proposedDayDetail: "This date is proposed; your doctor will confirm it with you.",
}

var russian = texts{
	locale:            "ru",
	title:             "РЕКОМЕНДАЦИИ ПОСЛЕ ЛЕЧЕНИЯ СТВОЛОВЫМИ КЛЕТКАМИ",
	treatment:         "Процедура:       %s (время указано в этом часовом поясе: UTC%s)",
	route:             "Путь введения:   ",
	site:              "Место введения:  ",
	whatToDo:          "ЧТО НУЖНО ДЕЛАТЬ",
	fromUntil:         "С %s до %s.",
	fromOn:            "С %s, пока врач не скажет иначе.",
	doctorsOwn:        "(Индивидуальная рекомендация вашего врача.)",
	staysInTouch:      "ВАШ ВРАЧ ОСТАЁТСЯ НА СВЯЗИ",
	proposedDates:     "Это предварительные даты; врач согласует с вами каждую из них.",
	toBeConfirmed:     "(дату подтвердит врач)",
	periodToConfirm:   "(Этот срок врач согласует с вами.)",
	windowToConfirm:   " Это время врач согласует с вами.",
	call:              "Звонок врача",
	visit:             "Визит в клинику",
	effectiveness:     " (оценка эффективности лечения)",
	unwell:            "ЕСЛИ ВЫ ПЛОХО СЕБЯ ЧУВСТВУЕТЕ",
	expected:          "После процедуры возможны повышение температуры, головная боль, тошнота, а также боль или покраснение в месте введения. Обычно они проходят в течение 24 часов и длятся не более трёх дней.",
	contactAfter:      " Свяжитесь с клиникой, если симптом сохраняется после %s или появился позже; если боль или покраснение в месте введения появились не сразу, а спустя время после процедуры; а также при любом другом симптоме.",
	contactLonger:     " Свяжитесь с клиникой, если симптом длится дольше, а также при любом другом симптоме.",
	selfMedication:    "Самолечение может нанести вред вашему здоровью.",
	calendarName:      "Рекомендации после лечения стволовыми клетками",
	fromNowOn:         "С этого дня: ",
	appliesFrom:       "Действует с %s, пока врач не скажет иначе.",
	proposedDayDetail: "Это предварительная дата; врач согласует её с вами.",
}

// textsIn returns the fixed words in locale; English for a locale we have
// no words in.
func textsIn(locale string) *texts {
	if locale == "ru" {
		return &russian
	}
	return &english
}

var (
	ruWeekdays = [...]string{"вс", "пн", "вт", "ср", "чт", "пт", "сб"}
	ruMonths   = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
)

// day formats the calendar day of t for people.
func (x *texts) day(t time.Time) string {
	if x.locale == "ru" {
		return fmt.Sprintf("%s, %d %s %d", ruWeekdays[t.Weekday()], t.Day(), ruMonths[t.Month()-1], t.Year())
	}
	return t.Format("Mon 2 Jan 2006")
}

// time formats an instant for people, in its own time zone.
func (x *texts) time(t time.Time) string { return x.day(t) + ", " + t.Format("15:04") }

// ruRoutes names the routes of administration in Russian.
var ruRoutes = map[string]string{
	"intravenous":     "внутривенно",
	"intra-articular": "внутрисуставно",
	"intrathecal":     "интратекально",
	"subcutaneous":    "подкожно",
	"local":           "местно",
}

// routeName names a route of administration for people.
func (x *texts) routeName(route string) string {
	if name, ok := ruRoutes[route]; ok && x.locale == "ru" {
		return name
	}
	return route
}

// contactTitle is the short title of a scheduled contact.
func (x *texts) contactTitle(c Contact) string {
	title := x.call
	if c.Contact == Visit {
		title = x.visit
	}
	if c.AssessesEffectiveness {
		title += x.effectiveness
	}
	return title
}
