package console

// The decision kinds and their outcomes, as a Russian page names them.
// The rulesets define the outcomes; a kind or an outcome this table does
// not know shows as written (TestEveryOutcomeIsTranslated walks
// procedure.DecisionKinds and each kind's outcomes to keep it whole).

// russianKinds are the decision kinds' names in Russian, by name.
var russianKinds = map[string]string{
	"eligibility": "допустимость терапии",
	"therapy":     "выбор терапии",
	"aftercare":   "план наблюдения",
	"triage":      "оценка побочного эффекта",
}

// russianOutcomes are each kind's outcomes in Russian, by kind then outcome.
var russianOutcomes = map[string]map[string]string{
	"eligibility": {
		"eligible":     "терапия допустима",
		"ineligible":   "терапия недопустима",
		"undetermined": "не определено",
	},
	"therapy": {
		"autologous":   "аутологичная",
		"allogeneic":   "аллогенная",
		"either":       "любая из двух",
		"none":         "ни одна",
		"undetermined": "не определено",
	},
	"aftercare": {
		"planned":      "план составлен",
		"undetermined": "не определено",
	},
	"triage": {
		"expected":       "ожидаемая реакция",
		"contact-clinic": "обратиться в клинику",
		"undetermined":   "не определено",
	},
}

// kindLabel is a decision kind's name in lang, as written when unknown.
func kindLabel(lang Lang, kind string) string {
	if s, ok := russianKinds[kind]; ok && lang == "ru" {
		return s
	}
	return kind
}

// outcomeLabel is an outcome of a decision of kind in lang, as written
// when the table does not know it.
func outcomeLabel(lang Lang, kind, outcome string) string {
	if s, ok := russianOutcomes[kind][outcome]; ok && lang == "ru" {
		return s
	}
	return outcome
}
