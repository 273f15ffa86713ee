// Package audit is the reference server's audit log: every decision (and,
// once cases are served, every case event) with who asked, when, the input,
// the output and the digest of the rules that made it.
//
// Entries are append-only in the database (triggers refuse UPDATE and DELETE)
// and hash-chained: each entry carries the hash of the one before it, so
// Verify finds a row changed by someone who got past the triggers. Append
// returns only once the entry is committed; concurrent appends share one
// commit (group commit).
//
//	log, err := audit.OpenSQLite(ctx, "data/celltherapy.db", audit.Options{})
//	entry, err := log.Append(ctx, audit.Record{Action: "decision:eligibility", ...})
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Record is what a caller appends: one audited act.
type Record struct {
	ActorID       string // the token's subject
	ActorRole     string // the token's role
	Action        string // such as "decision:eligibility"
	Subject       string // the case the act concerns; "" for a decision outside a case
	RequestID     string // the HTTP request that caused it
	RulesetDigest string // the digest of the rules that decided, "" when none did
	Input         []byte // the input as received (JSON)
	Output        []byte // the output as answered (JSON)

	// For an entry that records a case event: the event's version (its
	// case is Subject) and procedure.EventHash of the event as stored.
	EventVersion int
	EventHash    string
}

// Entry is a Record as stored: its place in the chain, when it was
// recorded and the hashes that chain it.
type Entry struct {
	Record
	Seq      int64  // 1 for the first entry, then one more each time
	At       string // when it was recorded, RFC 3339 in UTC with nanoseconds
	PrevHash string // the Hash of entry Seq-1; "" for the first
	Hash     string // "sha256:" and the hex digest of this entry's fields and PrevHash
}

// TimeFormat is how an entry's At is written: fixed width, so that the
// text hashed is the text stored.
const TimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit: log closed")

// SealError is a commit batch refused because its checkpoint could not be
// signed or stored: none of the batch's entries were committed.
type SealError struct{ Err error }

func (e *SealError) Error() string {
	return "audit: the batch's checkpoint could not be stored, so the batch was not committed: " + e.Err.Error()
}

func (e *SealError) Unwrap() error { return e.Err }

// ChainError is the first entry whose stored fields do not match the chain.
type ChainError struct {
	Seq    int64  // the entry that does not match
	Reason string // what does not match
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit: entry %d does not match the chain: %s", e.Seq, e.Reason)
}

// ComputeHash returns the hash of e over its fields and PrevHash (e.Hash is
// not read). Each field is length-prefixed, so no two different entries
// hash the same bytes.
func ComputeHash(e *Entry) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field("celltherapy-audit/1")
	field(strconv.FormatInt(e.Seq, 10))
	field(e.PrevHash)
	field(e.At)
	field(e.ActorID)
	field(e.ActorRole)
	field(e.Action)
	field(e.Subject)
	field(e.RequestID)
	field(e.RulesetDigest)
	field(string(e.Input))
	field(string(e.Output))
	if e.EventHash != "" { // entries without an event hash as before
		field("event")
		field(strconv.Itoa(e.EventVersion))
		field(e.EventHash)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// chain turns records into the entries that follow the entry (lastSeq,
// lastHash), all recorded at now.
func chain(lastSeq int64, lastHash string, now time.Time, recs []Record) []Entry {
	at := now.UTC().Format(TimeFormat)
	entries := make([]Entry, len(recs))
	for i, r := range recs {
		e := &entries[i]
		e.Record = r
		e.Seq = lastSeq + int64(i) + 1
		e.At = at
		e.PrevHash = lastHash
		e.Hash = ComputeHash(e)
		lastHash = e.Hash
	}
	return entries
}

// verifier checks entries one after the other, in Seq order.
type verifier struct {
	seq  int64
	hash string
}

func (v *verifier) next(e *Entry) error {
	switch {
	case e.Seq != v.seq+1:
		return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf("follows entry %d: entries are missing", v.seq)}
	case e.PrevHash != v.hash:
		return &ChainError{Seq: e.Seq, Reason: "its previous hash is not the hash of the entry before it"}
	case ComputeHash(e) != e.Hash:
		return &ChainError{Seq: e.Seq, Reason: "its content does not match its hash"}
	}
	v.seq, v.hash = e.Seq, e.Hash
	return nil
}
