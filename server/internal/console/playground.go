package console

import (
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// maxPlayground is the largest rule file the playground takes.
const maxPlayground = 1 << 20

type playgroundView struct {
	Kinds  []string
	Kind   string
	YAML   string
	Facts  string
	Trial  *rulebook.Trial
	Impact *rulebook.Impact
}

// playgroundPage opens a ruleset in force (?kind=) or an empty editor.
func (c *Console) playgroundPage(w http.ResponseWriter, r *http.Request) {
	v := playgroundView{Kinds: rulebook.Kinds(), Kind: r.URL.Query().Get("kind")}
	if v.Kind != "" && c.cfg.Rules != nil {
		src, err := c.cfg.Rules.Source(v.Kind)
		if err != nil {
			c.errorPage(w, r, http.StatusNotFound, "No such page.")
			return
		}
		v.YAML = string(src)
		t := rulebook.Try(r.Context(), src)
		v.Trial = &t
	}
	c.render(w, r, http.StatusOK, "playground.html", "Playground", v)
}

// playgroundInput reads the posted rule file: an uploaded file, or the
// editor's text. It is held for this request only.
func playgroundInput(w http.ResponseWriter, r *http.Request) (string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 3*maxPlayground)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(maxPlayground); err != nil {
			return "", false
		}
		if data, _, ok := upload(r, "file"); !ok {
			return "", false
		} else if len(data) > 0 {
			return string(data), true
		}
	}
	if err := r.ParseForm(); err != nil {
		return "", false
	}
	return r.PostFormValue("yaml"), true
}

// playgroundTry lints the posted rule file and runs its tests; the page
// shows them under the editor.
func (c *Console) playgroundTry(w http.ResponseWriter, r *http.Request) {
	src, ok := playgroundInput(w, r)
	if !ok {
		c.errorPage(w, r, http.StatusRequestEntityTooLarge, "The rule file is over 1 MiB or could not be read.")
		return
	}
	facts := r.PostFormValue("facts")
	population, name, ok := upload(r, "population")
	if !ok {
		c.errorPage(w, r, http.StatusRequestEntityTooLarge, "The population is over 1 MiB or could not be read.")
		return
	}
	v := playgroundView{Kinds: rulebook.Kinds(), YAML: src, Facts: facts}
	if c.cfg.Rules != nil {
		t, imp := c.cfg.Rules.TryAgainst(r.Context(), []byte(src), []byte(facts), name, population)
		v.Trial, v.Impact = &t, imp
	} else {
		t := rulebook.Try(r.Context(), []byte(src))
		v.Trial = &t
	}
	c.render(w, r, http.StatusOK, "playground.html", "Playground", v)
}

// upload reads the uploaded file of the form field, nil when none, and
// its name as the browser gave it (the field's name when none).
func upload(r *http.Request, field string) (_ []byte, name string, ok bool) {
	if r.MultipartForm == nil {
		return nil, field, true
	}
	f, h, err := r.FormFile(field)
	if err != nil {
		return nil, field, true
	}
	defer f.Close()
	name = field
	if base := path.Base(strings.ReplaceAll(h.Filename, "\\", "/")); base != "" && base != "." && base != "/" {
		name = base
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPlayground+1))
	return data, name, err == nil && len(data) <= maxPlayground
}

// playgroundLint answers the editor's debounced calls: the problems
// alone, as a fragment for htmx.
func (c *Console) playgroundLint(w http.ResponseWriter, r *http.Request) {
	src, ok := playgroundInput(w, r)
	if !ok {
		http.Error(w, "the rule file is over 1 MiB", http.StatusRequestEntityTooLarge)
		return
	}
	t := rulebook.Try(r.Context(), []byte(src))
	p := page{Lang: c.lang(r), Data: playgroundView{Trial: &t}}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := c.pages.ExecuteTemplate(w, "trial", p); err != nil {
		c.cfg.Logger.Error("console template", "template", "trial", "error", err.Error())
	}
}
