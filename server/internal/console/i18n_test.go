package console

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryTextIsTranslated: every text the templates translate ({{t $l
// "..."}}), every message of an error page and every text the code
// translates with tr has its Russian.
func TestEveryTextIsTranslated(t *testing.T) {
	patterns := map[string]*regexp.Regexp{
		"*.html": regexp.MustCompile(`\bt (?:\$l|\$\.Lang|\.Lang) "([^"]+)"`),
		"*.go":   regexp.MustCompile(`(?:errorPage\(\w+, \w+, [^,]+, |tr\([^,"]+, )"([^"]+)"`),
	}
	dirs := map[string]string{"*.html": "templates", "*.go": "."}
	texts := 0
	for glob, re := range patterns {
		files, err := filepath.Glob(filepath.Join(dirs[glob], glob))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", glob, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				texts++
				if tr("ru", m[1]) == m[1] {
					t.Errorf("%s: %q has no Russian", name, m[1])
				}
			}
		}
	}
	if texts < 100 {
		t.Errorf("only %d texts found: the patterns miss the templates' texts", texts)
	}
}
