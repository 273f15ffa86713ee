// Package workitem packs a worklist item into one string, for stores
// whose worklist reads one column per item instead of eight: the fields
// joined by the unit separator (0x1f), instants as Unix microseconds, the
// patient (free text) last.
package workitem

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reocell/celltherapy/procedure"
)

// Pack packs a due as its work item: the fields joined by the unit
// separator, instants as Unix microseconds, the patient (free text) last.
func Pack(sm procedure.Summary, d procedure.Due) (string, error) {
	fields := []string{sm.CaseID, string(sm.Stage), string(d.What), string(d.Who),
		strconv.FormatInt(d.From.UnixMicro(), 10), strconv.FormatInt(d.By.UnixMicro(), 10), d.Ref}
	for _, f := range fields {
		if strings.IndexByte(f, 0x1f) >= 0 {
			return "", fmt.Errorf("workitem: case %q: %q holds a unit separator (0x1f)", sm.CaseID, f)
		}
	}
	return strings.Join(append(fields, sm.Patient), "\x1f"), nil
}

// Unpack reverses Pack; the strings share the item's memory.
func Unpack(item string) (procedure.WorkItem, error) {
	var f [8]string
	rest := item
	for i := range 7 {
		j := strings.IndexByte(rest, 0x1f)
		if j < 0 {
			return procedure.WorkItem{}, fmt.Errorf("workitem: work item %q has %d fields, want 8", item, i+1)
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	f[7] = rest
	from, err1 := strconv.ParseInt(f[4], 10, 64)
	by, err2 := strconv.ParseInt(f[5], 10, 64)
	if err1 != nil || err2 != nil {
		return procedure.WorkItem{}, fmt.Errorf("workitem: work item %q: bad instants", item)
	}
	return procedure.WorkItem{CaseID: f[0], Patient: f[7], Stage: procedure.Stage(f[1]), Due: procedure.Due{
		What: procedure.DueKind(f[2]), Who: procedure.Role(f[3]), From: time.UnixMicro(from).UTC(), By: time.UnixMicro(by).UTC(), Ref: f[6],
	}}, nil
}
