package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/reocell/celltherapy/procedure"
)

// The entries are the leaves of a Merkle tree (RFC 6962's, as
// golang.org/x/mod/sumdb/tlog computes it): leaf n is the record hash of
// entry n+1's Hash. Its stored hashes are kept in audit_tree, and a
// checkpoint, the tree's size and root hash at an instant, signed with the
// server's audit key in the signed-note format of
// golang.org/x/mod/sumdb/note, in audit_checkpoints and in a file outside
// the database. A checkpoint held by a witness then proves the log's first
// Size entries, and that the log was not cut shorter.

// KeyName is the name of the audit keys the server creates.
const KeyName = "celltherapy-audit"

// Key files in the data directory.
const (
	DevKeyFile       = "audit-signing.key" // the development audit key (secret)
	DevPublicKeyFile = "audit-signing.pub" // its verifier key
	CheckpointFile   = "audit-checkpoint"  // the latest checkpoint, outside the database
)

// LoadOrCreateKey returns the audit signer in the data directory dir,
// creating the development key (and its public key beside it) when
// missing, as the token key is created.
func LoadOrCreateKey(dir string) (note.Signer, string, error) {
	file := filepath.Join(dir, DevKeyFile)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		skey, vkey, err := note.GenerateKey(rand.Reader, KeyName)
		if err != nil {
			return nil, "", err
		}
		// Written whole under a temporary name, then linked into place
		// once: two servers starting together end with one key.
		tmp, err := os.CreateTemp(dir, DevKeyFile+".*")
		if err != nil {
			return nil, "", err
		}
		defer os.Remove(tmp.Name())
		_, werr := tmp.WriteString(skey + "\n")
		if err := errors.Join(werr, tmp.Close()); err != nil {
			return nil, "", err
		}
		if err := os.Link(tmp.Name(), file); err == nil {
			if err := os.WriteFile(filepath.Join(dir, DevPublicKeyFile), []byte(vkey+"\n"), 0o644); err != nil {
				return nil, "", err
			}
		} else if !errors.Is(err, os.ErrExist) {
			return nil, "", err
		}
	}
	return ReadKey(file)
}

// ReadKey reads an audit signer key file (note.GenerateKey's private key)
// and returns the signer and its verifier key.
func ReadKey(file string) (note.Signer, string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	skey := strings.TrimSpace(string(raw))
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not an audit signing key: %v", file, err)
	}
	vkey, err := verifierKey(skey)
	return s, vkey, err
}

// verifierKey derives the verifier key of a note signer key.
func verifierKey(skey string) (string, error) {
	// PRIVATE+KEY+<name>+<hash>+<base64(alg || private key)>
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("malformed audit signing key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 33 || raw[0] != 1 {
		return "", errors.New("malformed audit signing key")
	}
	return note.NewEd25519VerifierKey(parts[2], ed25519Public(raw[1:]))
}

// Checkpoint is a signed checkpoint: the tree's size and root hash at an
// instant, and the note that carries them.
type Checkpoint struct {
	Size int64
	Hash tlog.Hash
	At   time.Time
	Note []byte // the signed note
}

const checkpointOrigin = "celltherapy audit log"

// checkpointText is a checkpoint's signed text: origin, size, root hash
// (base64) and time, one a line.
func checkpointText(size int64, h tlog.Hash, at time.Time) string {
	return fmt.Sprintf("%s\n%d\n%s\n%s\n", checkpointOrigin, size, h, at.UTC().Format(time.RFC3339Nano))
}

// OpenCheckpoint checks a signed checkpoint against the audit keys known
// and parses it. A note signed by none of them is refused.
func OpenCheckpoint(msg []byte, known note.Verifiers) (*Checkpoint, error) {
	n, err := note.Open(msg, known)
	if err != nil {
		var unknown *note.UnverifiedNoteError
		if errors.As(err, &unknown) {
			return nil, errors.New("signed by none of the audit keys known (another key, or a forgery)")
		}
		return nil, fmt.Errorf("not a valid signed checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 5 || lines[0] != checkpointOrigin || lines[4] != "" {
		return nil, errors.New("not a celltherapy audit checkpoint")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return nil, errors.New("malformed checkpoint size")
	}
	h, err := tlog.ParseHash(lines[2])
	if err != nil {
		return nil, errors.New("malformed checkpoint hash")
	}
	at, err := time.Parse(time.RFC3339Nano, lines[3])
	if err != nil {
		return nil, errors.New("malformed checkpoint time")
	}
	return &Checkpoint{Size: size, Hash: h, At: at, Note: msg}, nil
}

// Verifiers returns the audit keys given (note verifier keys) as the set
// checkpoints are checked against.
func Verifiers(vkeys ...string) (note.Verifiers, error) {
	var vs []note.Verifier
	for _, k := range vkeys {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("audit key %q: %v", k, err)
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...), nil
}

// leafData is what leaf n of the tree is the record hash of.
func leafData(e *Entry) []byte { return []byte(e.Hash) }

// restoreSeen is an entry that recorded a restore: its seq and the
// entries the restored log held.
type restoreSeen struct{ seq, logSize int64 }

// memTree is a tree's stored hashes in memory.
type memTree struct{ hashes []tlog.Hash }

func (m *memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("audit: tree hash %d not stored", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memTree) add(n int64, data []byte) error {
	hs, err := tlog.StoredHashes(n, data, m)
	if err != nil {
		return err
	}
	m.hashes = append(m.hashes, hs...)
	return nil
}

// CheckpointError is a checkpoint the log does not match: the log was cut
// short, rewritten, or extended without a checkpoint, or the checkpoint is
// not signed by a known key.
type CheckpointError struct {
	Source string // where the checkpoint is: "database" or a file
	Size   int64  // its size (0 when it could not be read)
	Reason string
}

func (e *CheckpointError) Error() string {
	if e.Size > 0 {
		return fmt.Sprintf("audit: checkpoint of size %d (%s): %s", e.Size, e.Source, e.Reason)
	}
	return fmt.Sprintf("audit: checkpoint (%s): %s", e.Source, e.Reason)
}

// Prove returns the inclusion proof of entry seq in the tree of the latest
// stored checkpoint, and that checkpoint.
func (l *Log) Prove(ctx context.Context, seq int64, known note.Verifiers) (*Checkpoint, tlog.RecordProof, string, error) {
	latest, err := l.b.latestCheckpoint(ctx)
	if err != nil || latest == nil {
		return nil, nil, "", errors.Join(errors.New("audit: no checkpoint yet"), err)
	}
	c, err := OpenCheckpoint(latest, known)
	if err != nil {
		return nil, nil, "", err
	}
	if seq < 1 || seq > c.Size {
		return nil, nil, "", fmt.Errorf("audit: entry %d is not in the latest checkpoint (entries 1 to %d)", seq, c.Size)
	}
	var tree memTree
	var n int64
	var hash string
	if err := l.b.scan(ctx, func(e *Entry) error {
		if n >= c.Size {
			return nil
		}
		if e.Seq == seq {
			hash = e.Hash
		}
		err := tree.add(n, leafData(e))
		n++
		return err
	}); err != nil {
		return nil, nil, "", err
	}
	p, err := tlog.ProveRecord(c.Size, seq-1, &tree)
	return c, p, hash, err
}

// CheckInclusion checks that the entry seq, whose Hash is entryHash, is in
// the tree of the signed checkpoint, by proof: what anyone holding the
// audit public key can check.
func CheckInclusion(checkpoint []byte, known note.Verifiers, seq int64, entryHash string, proof tlog.RecordProof) error {
	c, err := OpenCheckpoint(checkpoint, known)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(proof, c.Size, c.Hash, seq-1, tlog.RecordHash([]byte(entryHash)))
}

// FormatProof writes a proof one hash a line; ParseProof reads it back.
func FormatProof(p tlog.RecordProof) string {
	var b strings.Builder
	for _, h := range p {
		b.WriteString(h.String() + "\n")
	}
	return b.String()
}

// ParseProof reads a proof FormatProof wrote.
func ParseProof(text string) (tlog.RecordProof, error) {
	var p tlog.RecordProof
	for _, line := range strings.Fields(text) {
		h, err := tlog.ParseHash(line)
		if err != nil {
			return nil, fmt.Errorf("proof: %q is not a hash", line)
		}
		p = append(p, h)
	}
	return p, nil
}

// writeCheckpointFile writes the latest checkpoint outside the database:
// a temporary file renamed over the old one, not synced (the copy may lag;
// the database holds every checkpoint durably).
func writeCheckpointFile(file string, msg []byte) error {
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, msg, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// ed25519Public returns the public key of an Ed25519 seed.
func ed25519Public(seed []byte) ed25519.PublicKey {
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}

// sealTx is what sealing needs of a transaction, in either database.
type sealTx interface {
	// size is the tree's size: the largest checkpoint's.
	size(ctx context.Context) (int64, error)
	// entryHashes returns the seq and hash of the entries after seq.
	entryHashes(ctx context.Context, after int64) ([]int64, []string, error)
	readHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error)
	// putHashes stores hs at the indexes first, first+1, ...
	putHashes(ctx context.Context, first int64, hs []tlog.Hash) error
	putCheckpoint(ctx context.Context, size int64, at string, note []byte) error
}

// scanTreeHashes reads rows of (idx, hash) and returns the hashes of idx
// in its order.
func scanTreeHashes(rs rows, idx []int64) ([]tlog.Hash, error) {
	got := make(map[int64]tlog.Hash, len(idx))
	for rs.Next() {
		var x int64
		var b []byte
		if err := rs.Scan(&x, &b); err != nil {
			return nil, err
		}
		var h tlog.Hash
		copy(h[:], b)
		got[x] = h
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		h, ok := got[x]
		if !ok {
			return nil, fmt.Errorf("audit: tree hash %d not stored", x)
		}
		out[i] = h
	}
	return out, nil
}

// batchSeal seals a log batch in its transaction: sealTx is the
// backend's, with the entries the batch has just appended (so they are
// not read back) and the hashes the last batch's seal left (kept).
type batchSeal struct {
	signer note.Signer
	kept   *keptHashes
	// Set by seal, for the next batch:
	sealTx
	known []Entry
	from  int64 // the tree's size before the batch
	used  map[int64]tlog.Hash
}

// keptHashes are the tree hashes a batch's seal read or stored, for the
// tree of size size as that batch left it. The next batch's seal reads
// only hashes of the tree's right edge, all of them among these, so while
// the tree keeps that size (no other writer, such as a case store in the
// same database, has extended it) none is read from the database.
type keptHashes struct {
	size   int64
	hashes map[int64]tlog.Hash
}

// seal extends the tree by the batch's entries (and any before them that
// no checkpoint covers) and stores the checkpoint signed over it, in tx;
// nothing when bs is nil (no signer). Its error is a *SealError.
func (bs *batchSeal) seal(ctx context.Context, tx sealTx, entries []Entry, now time.Time) error {
	if bs == nil {
		return nil
	}
	bs.sealTx, bs.known = tx, entries
	if _, err := seal(ctx, bs, bs.signer, now); err != nil {
		return &SealError{Err: err}
	}
	return nil
}

// next returns what the committed batch's seal leaves for the next one.
func (bs *batchSeal) next() *keptHashes {
	if bs.used == nil || len(bs.known) == 0 {
		return nil
	}
	return &keptHashes{size: bs.known[len(bs.known)-1].Seq, hashes: bs.used}
}

func (bs *batchSeal) size(ctx context.Context) (int64, error) {
	n, err := bs.sealTx.size(ctx)
	bs.from = n
	return n, err
}

func (bs *batchSeal) entryHashes(ctx context.Context, after int64) ([]int64, []string, error) {
	if len(bs.known) == 0 || bs.known[0].Seq != after+1 {
		return bs.sealTx.entryHashes(ctx, after)
	}
	// The tree ends where the batch begins: its entries are the new
	// ones, and nothing needs reading back.
	seqs, hashes := make([]int64, len(bs.known)), make([]string, len(bs.known))
	for i := range bs.known {
		seqs[i], hashes[i] = bs.known[i].Seq, bs.known[i].Hash
	}
	return seqs, hashes, nil
}

func (bs *batchSeal) readHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	if bs.used == nil {
		bs.used = map[int64]tlog.Hash{}
	}
	out := make([]tlog.Hash, len(idx))
	var miss []int64
	var at []int
	for i, x := range idx {
		if h, ok := bs.kept.get(bs.from, x); ok {
			out[i] = h
			bs.used[x] = h
		} else {
			miss, at = append(miss, x), append(at, i)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	hs, err := bs.sealTx.readHashes(ctx, miss)
	if err != nil {
		return nil, err
	}
	for j, h := range hs {
		out[at[j]] = h
		bs.used[miss[j]] = h
	}
	return out, nil
}

func (bs *batchSeal) putHashes(ctx context.Context, first int64, hs []tlog.Hash) error {
	if bs.used == nil {
		bs.used = map[int64]tlog.Hash{}
	}
	for i, h := range hs {
		bs.used[first+int64(i)] = h
	}
	return bs.sealTx.putHashes(ctx, first, hs)
}

func (k *keptHashes) get(size, idx int64) (tlog.Hash, bool) {
	if k == nil || k.size != size {
		return tlog.Hash{}, false
	}
	h, ok := k.hashes[idx]
	return h, ok
}

// seal extends the tree by the entries after its size and signs a
// checkpoint of it, in tx; it returns the note, or nil when nothing was
// new. The hashes it adds are kept in memory until they are stored
// together, so the database is read only for the hashes of the tree as it
// was.
func seal(ctx context.Context, tx sealTx, signer note.Signer, now time.Time) ([]byte, error) {
	size, err := tx.size(ctx)
	if err != nil {
		return nil, err
	}
	seqs, hashes, err := tx.entryHashes(ctx, size)
	if err != nil || len(seqs) == 0 {
		return nil, err
	}
	first := tlog.StoredHashIndex(0, size)
	var fresh []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		var miss []int64
		var at []int
		for i, x := range idx {
			if x >= first && x-first < int64(len(fresh)) {
				out[i] = fresh[x-first]
				continue
			}
			miss, at = append(miss, x), append(at, i)
		}
		if len(miss) > 0 {
			hs, err := tx.readHashes(ctx, miss)
			if err != nil {
				return nil, err
			}
			for j, h := range hs {
				out[at[j]] = h
			}
		}
		return out, nil
	})
	for i, seq := range seqs {
		n := size + int64(i)
		if seq != n+1 {
			return nil, fmt.Errorf("audit: seal: entry %d follows entry %d: entries are missing", seq, n)
		}
		hs, err := tlog.StoredHashes(n, []byte(hashes[i]), r)
		if err != nil {
			return nil, err
		}
		fresh = append(fresh, hs...)
	}
	size += int64(len(seqs))
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return nil, err
	}
	if err := tx.putHashes(ctx, first, fresh); err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: checkpointText(size, root, now)}, signer)
	if err != nil {
		return nil, err
	}
	return msg, tx.putCheckpoint(ctx, size, now.UTC().Format(time.RFC3339Nano), msg)
}

// Sealer signs the checkpoint a case store stores with each of its commit
// batches (procedure.AuditSealer, by way of Trail.Sealer): the tree is
// extended by the entries after the last checkpoint, the batch's
// included, and the checkpoint of the size it ends at is signed with the
// server's audit key and stored in the batch's transaction.
type Sealer struct {
	Signer note.Signer
	Now    func() time.Time // default time.Now
}

// Seal seals tree, inside the case store's transaction.
func (s *Sealer) Seal(ctx context.Context, tree procedure.AuditTree) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	_, err := seal(ctx, storeTree{tree}, s.Signer, now())
	return err
}

// storeTree is a case store's procedure.AuditTree as seal reads it.
type storeTree struct{ t procedure.AuditTree }

func (s storeTree) size(ctx context.Context) (int64, error) { return s.t.Size(ctx) }

func (s storeTree) entryHashes(ctx context.Context, after int64) ([]int64, []string, error) {
	return s.t.EntryHashes(ctx, after)
}

func (s storeTree) readHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	raw, err := s.t.ReadHashes(ctx, idx)
	if err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(raw))
	for i, h := range raw {
		out[i] = tlog.Hash(h)
	}
	return out, nil
}

func (s storeTree) putHashes(ctx context.Context, first int64, hs []tlog.Hash) error {
	raw := make([][32]byte, len(hs))
	for i, h := range hs {
		raw[i] = [32]byte(h)
	}
	return s.t.PutHashes(ctx, first, raw)
}

func (s storeTree) putCheckpoint(ctx context.Context, size int64, at string, msg []byte) error {
	return s.t.PutCheckpoint(ctx, size, at, msg)
}

// ProveConsistency returns the proof that the tree of the checkpoint of
// size older is a prefix of the tree of size newer (RFC 6962's
// consistency proof), from the entries stored.
func (l *Log) ProveConsistency(ctx context.Context, older, newer int64) (tlog.TreeProof, error) {
	if older < 1 || older > newer {
		return nil, fmt.Errorf("audit: no consistency proof from size %d to %d", older, newer)
	}
	var tree memTree
	var n int64
	if err := l.b.scan(ctx, func(e *Entry) error {
		if n >= newer {
			return nil
		}
		err := tree.add(n, leafData(e))
		n++
		return err
	}); err != nil {
		return nil, err
	}
	if n < newer {
		return nil, fmt.Errorf("audit: the log holds %d entries, fewer than %d", n, newer)
	}
	return tlog.ProveTree(newer, older, &tree)
}

// CheckConsistency checks, with the audit public keys alone, that the
// signed checkpoint newer extends the signed checkpoint older by proof:
// that no entry older covers was changed or removed since.
func CheckConsistency(older, newer []byte, known note.Verifiers, proof tlog.TreeProof) error {
	o, err := OpenCheckpoint(older, known)
	if err != nil {
		return fmt.Errorf("the older checkpoint: %w", err)
	}
	n, err := OpenCheckpoint(newer, known)
	if err != nil {
		return fmt.Errorf("the newer checkpoint: %w", err)
	}
	if o.Size > n.Size {
		return fmt.Errorf("the older checkpoint (size %d) is larger than the newer (size %d)", o.Size, n.Size)
	}
	return tlog.CheckTree(proof, n.Size, n.Hash, o.Size, o.Hash)
}
