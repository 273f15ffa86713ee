package console

import (
	"io"
	"net/http"
	"strings"

	"github.com/reocell/celltherapy/server/internal/rulebook"
)

// maxPlayground is the largest rule file the playground takes.
const maxPlayground = 1 << 20

type playgroundView struct {
	Kinds []string
	Kind  string
	YAML  string
	Trial *rulebook.Trial
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
	r.Body = http.MaxBytesReader(w, r.Body, maxPlayground+64<<10)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(maxPlayground); err != nil {
			return "", false
		}
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			data, err := io.ReadAll(io.LimitReader(f, maxPlayground))
			if err != nil {
				return "", false
			}
			if len(data) > 0 {
				return string(data), true
			}
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
	t := rulebook.Try(r.Context(), []byte(src))
	c.render(w, r, http.StatusOK, "playground.html", "Playground", playgroundView{Kinds: rulebook.Kinds(), YAML: src, Trial: &t})
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
