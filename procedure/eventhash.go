package procedure

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// EventHash returns the hash of an event's content as a store keeps it:
// "sha256:" and the hex digest of its fields, each length-prefixed. Its
// instants are taken to the microsecond, the precision every store keeps,
// so the hash of an event read back equals the hash of the event appended;
// an audit log that holds it can tell an event changed in the store.
func EventHash(e Event) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	instant := func(t time.Time) string {
		return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	field("celltherapy-event/1")
	field(e.CaseID)
	field(strconv.Itoa(e.Version))
	field(string(e.Type))
	field(strconv.Itoa(e.Schema))
	field(e.Actor.ID)
	field(string(e.Actor.Role))
	field(instant(e.At))
	field(instant(e.RecordedAt))
	field(e.Key)
	field(string(e.Data))
	if e.Decision != nil {
		// As the stores keep it: the record's JSON.
		b, _ := json.Marshal(e.Decision)
		field(string(b))
	} else {
		field("")
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
