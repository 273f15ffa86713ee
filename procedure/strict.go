package procedure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// CheckJSON checks that data is one JSON value in which no object has the
// same key twice, at any depth: a duplicate key is bad input naming its
// path (such as $.facts.pregnant), for the last one would silently win.
// DecodeCommand calls it; a transport that reads a command's JSON itself
// calls it first.
func CheckJSON(data []byte) error {
	_, err := scanJSON(data, false)
	return err
}

// scanJSON walks data once, refusing duplicate keys, and returns, when
// asked, the path of each string value (the first, for a value seen
// twice), so that an error about a value can name where it is.
func scanJSON(data []byte, paths bool) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	s := &scanner{dec: dec}
	if paths {
		s.strs = map[string]string{}
	}
	if err := s.value("$"); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, (problems{{Path: "$", Message: "more than one JSON value"}}).err()
	}
	return s.strs, nil
}

type scanner struct {
	dec   *json.Decoder
	strs  map[string]string
	depth int
}

// maxDepth is how deeply a command's JSON may nest.
const maxDepth = 64

func (s *scanner) value(path string) error {
	tok, err := s.dec.Token()
	if err != nil {
		return syntaxProblem(err, s.dec.InputOffset())
	}
	switch tok {
	case json.Delim('{'):
		return s.nested(path, s.object)
	case json.Delim('['):
		return s.nested(path, s.array)
	}
	if str, ok := tok.(string); ok && s.strs != nil {
		if _, seen := s.strs[str]; !seen {
			s.strs[str] = path
		}
	}
	return nil
}

func (s *scanner) nested(path string, f func(string) error) error {
	if s.depth++; s.depth > maxDepth {
		return (problems{{Path: path, Message: fmt.Sprintf("nests deeper than %d levels", maxDepth)}}).err()
	}
	defer func() { s.depth-- }()
	return f(path)
}

func (s *scanner) object(path string) error {
	seen := map[string]bool{}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return syntaxProblem(err, s.dec.InputOffset())
		}
		key, _ := tok.(string)
		at := memberPath(path, key)
		if seen[key] {
			return (problems{{Path: at, Message: "is given twice: a key appears once in an object"}}).err()
		}
		seen[key] = true
		if err := s.value(at); err != nil {
			return err
		}
	}
	return s.end()
}

func (s *scanner) array(path string) error {
	for i := 0; s.dec.More(); i++ {
		if err := s.value(path + "[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
	}
	return s.end()
}

// end reads the token that closes an object or an array.
func (s *scanner) end() error {
	if _, err := s.dec.Token(); err != nil {
		return syntaxProblem(err, s.dec.InputOffset())
	}
	return nil
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// memberPath is the path of key in the object at path.
func memberPath(path, key string) string {
	if plainKey.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func syntaxProblem(err error, offset int64) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return (problems{{Path: "$", Message: fmt.Sprintf("not valid JSON at byte %d: %v", syn.Offset, syn)}}).err()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return (problems{{Path: "$", Message: fmt.Sprintf("not valid JSON: it ends at byte %d before the value does", offset)}}).err()
	}
	return (problems{{Path: "$", Message: fmt.Sprintf("not valid JSON at byte %d: %v", offset, err)}}).err()
}
