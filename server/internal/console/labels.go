package console

import (
	"strconv"
	"strings"

	"github.com/reocell/celltherapy/procedure"
)

// label is a field's name for people in English and Russian.
type label struct{ en, ru string }

// fieldLabels names every field of the command forms, by its JSON path
// with a list row's number left out (measures.kind for measures.0.kind).
// The facts' names say what the rules' questions ask (the questions
// themselves are the decision's, shown with what is still unknown).
// TestEveryFieldHasALabel keeps the table whole and without leftovers.
var fieldLabels = map[string]label{
	"caseId":        {"Case id", "Код случая"},
	"patient":       {"Patient", "Пациент"},
	"reason":        {"Reason", "Причина"},
	"specialist":    {"Specialist", "Специалист"},
	"slot":          {"Appointment (UTC)", "Время приёма (UTC)"},
	"item":          {"Item of the consultation", "Пункт консультации"},
	"text":          {"Text of the item", "Текст пункта"},
	"measures.id":   {"Measure: id", "Обследование: код"},
	"measures.kind": {"Measure: kind", "Обследование: вид"},
	"measures.name": {"Measure: name", "Обследование: название"},
	"measure":       {"Measure id", "Код обследования"},
	"result":        {"Result", "Результат"},

	"facts.asOf":                       {"Facts as of day", "Факты на день"},
	"facts.oncology.active":            {"Active oncological process", "Активный онкологический процесс"},
	"facts.oncology.everTreated":       {"Ever treated for cancer", "Когда-либо лечился от онкологического заболевания"},
	"facts.oncology.lastTreatmentEnd":  {"Last cancer treatment ended (or ends)", "Окончание последнего противоопухолевого лечения"},
	"facts.pregnant":                   {"Pregnant", "Беременность"},
	"facts.breastfeeding":              {"Breastfeeding", "Грудное вскармливание"},
	"facts.hiv":                        {"HIV infection or AIDS", "ВИЧ-инфекция или СПИД"},
	"facts.immunodeficiency":           {"Immunodeficiency (other than HIV)", "Иммунодефицитное состояние (помимо ВИЧ)"},
	"facts.mentalStateUnstable":        {"Mental state unstable", "Нестабильное психическое состояние"},
	"facts.acuteInflammation":          {"Acute inflammatory process", "Острый воспалительный процесс"},
	"facts.chronicExacerbation":        {"Chronic disease in exacerbation", "Обострение хронического заболевания"},
	"facts.clottingDisorder":           {"Blood clotting disorder", "Нарушение свёртываемости крови"},
	"facts.ownCells.sufficient":        {"Own cells sufficient", "Собственных клеток достаточно"},
	"facts.ownCells.goodQuality":       {"Own cells of good quality", "Собственные клетки хорошего качества"},
	"facts.startBy":                    {"Treatment must start by", "Начать лечение не позднее"},
	"facts.preference":                 {"Patient's preference", "Предпочтение пациента"},
	"facts.harvest.boneMarrowPossible": {"Bone marrow harvest possible", "Возможен забор костного мозга"},
	"facts.harvest.adiposePossible":    {"Adipose tissue harvest possible", "Возможен забор жировой ткани"},
	"facts.condition.category":         {"Condition: category", "Заболевание: категория"},
	"facts.condition.site":             {"Condition: site", "Заболевание: локализация"},
	"facts.patient.weightKg":           {"Patient's weight (kg)", "Масса тела пациента (кг)"},

	"therapy":         {"Therapy", "Терапия"},
	"route":           {"Route of administration", "Путь введения"},
	"site":            {"Site", "Место введения"},
	"cells":           {"Cells (count)", "Клетки (количество)"},
	"procedures":      {"Procedures", "Число процедур"},
	"intervalDays":    {"Days between procedures", "Дней между процедурами"},
	"quorum":          {"Quorum (ids, comma-separated)", "Кворум (коды через запятую)"},
	"revise":          {"Back to the board to revise the plan", "Вернуть на совет для пересмотра плана"},
	"source":          {"Source of the biomaterial", "Источник биоматериала"},
	"lot":             {"Lot", "Партия"},
	"checksPassed":    {"Quality checks passed", "Контроль качества пройден"},
	"expires":         {"Expires (UTC)", "Годен до (UTC)"},
	"contact":         {"Contact (id of the schedule)", "Контакт (код по графику)"},
	"note":            {"Note", "Примечание"},
	"symptom.name":    {"Symptom", "Симптом"},
	"symptom.onset":   {"Symptom began (UTC)", "Начало симптома (UTC)"},
	"symptom.ongoing": {"Symptom ongoing", "Симптом продолжается"},
	"symptom.endedAt": {"Symptom ended (UTC)", "Окончание симптома (UTC)"},
	"report":          {"Report (event number)", "Сообщение (номер события)"},
	"description":     {"Description", "Описание"},
	"severity":        {"Severity", "Тяжесть"},
}

// russianOptions are the allowed values of the forms' lists in Russian,
// by the value (which the English page shows as it is).
var russianOptions = map[string]string{
	"history": "анамнез", "records-review": "изучение медицинской документации", "examination": "осмотр",
	"preliminary-diagnosis": "предварительный диагноз", "diagnostic-plan": "план обследования",
	"laboratory": "лабораторное", "instrumental": "инструментальное", "specialist": "консультация специалиста",
	"improved": "улучшение", "unchanged": "без изменений", "worsened": "ухудшение",
	"autologous": "аутологичная", "allogeneic": "аллогенная",
	"orthopedic": "ортопедическое", "neurological": "неврологическое", "endocrine": "эндокринное",
	"autoimmune": "аутоиммунное", "dermatological": "дерматологическое", "other": "другое",
	"intravenous": "внутривенно", "intra-articular": "внутрисуставно", "intrathecal": "интратекально",
	"subcutaneous": "подкожно", "local": "местно",
	"bone-marrow": "костный мозг", "adipose": "жировая ткань",
	"fever": "повышение температуры", "headache": "головная боль", "nausea": "тошнота",
	"injection-site-pain": "боль в месте введения", "injection-site-redness": "покраснение в месте введения",
	"mild": "лёгкая", "moderate": "средняя", "severe": "тяжёлая",
}

// optionLabel is an allowed value of a list as lang shows it.
func optionLabel(lang Lang, value string) string {
	if s, ok := russianOptions[value]; ok && lang == "ru" {
		return s
	}
	return value
}

// russianTitles are the commands' titles (procedure.CommandInfo.Title)
// in Russian, by command type.
var russianTitles = map[procedure.CommandType]string{
	"open-case":             "открыть случай пациента",
	"book-appointment":      "записать на первичную консультацию: причина, специалист, время",
	"cancel-case":           "отменить случай до консультации",
	"record-consultation":   "записать пункт первичной консультации",
	"record-measure-result": "записать результат запланированного обследования",
	"cancel-measure":        "отменить запланированное обследование с указанием причины",
	"screen":                "проверить противопоказания (для совета или повторная проверка в день введения)",
	"select-therapy":        "записать решение о выборе терапии",
	"propose-plan":          "предложить индивидуальный план с кворумом",
	"decline":               "отказать в терапии по противопоказанию",
	"agree":                 "записать согласие пациента",
	"refuse":                "записать отказ пациента (закрыть случай или вернуть на совет)",
	"collect-biomaterial":   "записать забранный биоматериал (аутологичная терапия)",
	"start-culture":         "начать выращивание дозы (аутологичная терапия)",
	"fail-culture":          "записать неудачное культивирование (возврат на совет)",
	"allocate-lot":          "выделить донорскую партию (аллогенная терапия)",
	"release-product":       "выпустить продукт: партия, клетки, пройденный контроль",
	"administer":            "записать введение; за ним следует план наблюдения",
	"refer-to-board":        "вернуть случай на совет для изменения плана (введение) или передать ему находку (наблюдение)",
	"record-contact":        "записать контакт наблюдения по графику",
	"record-missed-contact": "записать, что контакт наблюдения не состоялся, и почему",
	"report-side-effect":    "оценить сообщение о побочном эффекте",
	"review-side-effect":    "рассмотреть отмеченное сообщение о побочном эффекте",
	"record-adverse-event":  "записать нежелательное явление",
	"assess-effectiveness":  "оценить эффективность лечения",
	"complete":              "закрыть случай как завершённый",
	"withdraw":              "записать выбытие пациента",
}

// labelKey is the key of a field's path in fieldLabels and its list row
// (-1: none).
func labelKey(path string) (string, int) {
	parts := strings.Split(path, ".")
	row := -1
	kept := parts[:0:0]
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err == nil {
			row = n
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "."), row
}

// Label is the field's name for people in lang, with its row for a list
// of structs; a field the table lacks shows its JSON path.
func (f Field) Label(lang Lang) string {
	key, row := labelKey(f.Name)
	l, ok := fieldLabels[key]
	if !ok {
		return f.Name
	}
	s := l.en
	if lang == "ru" {
		s = l.ru
	}
	if row >= 0 {
		s += " (" + tr(lang, "row") + " " + strconv.Itoa(row+1) + ")"
	}
	return s
}

// commandTitle is the title of command info in lang.
func commandTitle(lang Lang, info procedure.CommandInfo) string {
	if lang == "ru" {
		if s, ok := russianTitles[info.Type]; ok {
			return s
		}
	}
	return info.Title
}
