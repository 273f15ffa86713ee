package procedure

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/reocell/celltherapy/rules"
)

// CommandType names a command, as in its JSON "type" field.
type CommandType string

// Header is what every command carries: its type, when it happened and an
// optional idempotency key (the same key twice appends once).
type Header struct {
	Type CommandType `json:"type"`
	At   time.Time   `json:"at"`
	Key  string      `json:"key,omitempty"`
}

// Head returns the command's header: every command struct embeds one.
func (h *Header) Head() *Header { return h }

// Command is an instruction to a case: one of the command structs of this
// package (BookAppointment, Screen, Administer, ...).
type Command interface {
	Head() *Header
	check(ps *problems)
}

// MaxCommandBytes is the largest command DecodeCommand accepts.
const MaxCommandBytes = 1 << 20

// DecodeCommand decodes one command from JSON: the "type" field chooses the
// command; unknown fields, wrong types and values that fail validation are
// an *InvalidError naming each field by its JSON path.
func DecodeCommand(data []byte) (Command, error) {
	if len(data) > MaxCommandBytes {
		return nil, (problems{{Path: "$", Message: fmt.Sprintf("command is %d bytes; at most %d", len(data), MaxCommandBytes)}}).err()
	}
	if err := CheckJSON(data); err != nil {
		return nil, err
	}
	var head struct {
		Type CommandType `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, decodeProblem(err, data)
	}
	cs, ok := commandTable()[head.Type]
	if !ok {
		var ps problems
		if head.Type == "" {
			ps.add("$.type", "is required")
		} else {
			ps.add("$.type", "unknown command %q", head.Type)
		}
		return nil, ps.err()
	}
	cmd := cs.new()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cmd); err != nil {
		return nil, decodeProblem(err, data)
	}
	if dec.More() {
		return nil, (problems{{Path: "$", Message: "more than one JSON value"}}).err()
	}
	if err := validate(cmd); err != nil {
		return nil, err
	}
	return cmd, nil
}

// CommandDigest returns the digest of a command: the SHA-256 of its
// canonical JSON (every field as this package encodes it, type and at
// included, at in UTC to the microsecond), leaving out the idempotency key
// itself. Two commands with the same digest are the same command.
func CommandDigest(cmd Command) (string, error) {
	h := cmd.Head()
	saved := *h
	h.Key, h.At = "", instant(h.At)
	b, err := json.Marshal(cmd)
	*h = saved
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// decodeProblem turns a JSON decoding error into a Problem naming the
// field; data is the command, searched for the path of a value when the
// error names only the value (a bad instant).
func decodeProblem(err error, data []byte) error {
	var (
		syn   *json.SyntaxError
		typ   *json.UnmarshalTypeError
		facts rules.FieldErrors
		ps    problems
	)
	switch {
	case errors.As(err, &facts):
		for _, f := range facts {
			ps.add("$.facts"+strings.TrimPrefix(f.Path, "$"), "%s", f.Message)
		}
	case errors.As(err, &syn):
		ps.add("$", "not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		ps.add("$."+typ.Field, "must be %s, not %s", typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		ps.add("$."+name, "unknown field")
	default:
		var pe *time.ParseError
		if errors.As(err, &pe) {
			strs, _ := scanJSON(data, true)
			at, ok := strs[pe.Value]
			if !ok {
				at = "$"
			}
			ps.add(at, "not an RFC 3339 instant: %q", pe.Value)
		} else {
			ps.add("$", "%v", err)
		}
	}
	return ps.err()
}

// validate checks a command's header and its own fields.
func validate(cmd Command) error {
	var ps problems
	h := cmd.Head()
	if _, ok := commandTable()[h.Type]; !ok {
		ps.add("$.type", "unknown command %q", h.Type)
	}
	if h.At.IsZero() {
		ps.add("$.at", "is required: when it happened (RFC 3339)")
	} else {
		ps.instant("$.at", h.At)
	}
	if len(h.Key) > 200 {
		ps.add("$.key", "is longer than 200 characters")
	}
	if !utf8.ValidString(h.Key) || strings.ContainsFunc(h.Key, unicode.IsControl) {
		ps.add("$.key", "holds a control character or is not UTF-8")
	}
	cmd.check(&ps)
	return ps.err()
}

// The years a command's instants may fall in, as the facts' dates do.
const (
	firstYear = 1900
	lastYear  = 2199
)

// instant adds a problem when t is outside the years an instant may be in.
func (ps *problems) instant(field string, t time.Time) {
	if y := t.UTC().Year(); y < firstYear || y > lastYear {
		ps.add(field, "%s is not in the years %d to %d", t.Format(time.RFC3339), firstYear, lastYear)
	}
}

// need adds a problem when a required text is empty.
func (ps *problems) need(field, value string) {
	if strings.TrimSpace(value) == "" {
		ps.add(field, "is required")
	}
}

// oneOf adds a problem when value is not one of allowed.
func (ps *problems) oneOf(field, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	if value == "" {
		ps.add(field, "is required: one of %s", strings.Join(allowed, ", "))
		return
	}
	ps.add(field, "%q is not one of %s", value, strings.Join(allowed, ", "))
}
