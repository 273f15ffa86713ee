package procedure

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// MemoryStore is a Store in memory, for tests and examples; it keeps
// nothing when the process ends.
type MemoryStore struct {
	mu        sync.RWMutex
	events    map[string][]Event
	summaries map[string]*Summary
	keys      map[string]keyed
	audit     []AuditEntry
}

type keyed struct {
	caseID   string
	from, to int
	digest   string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{events: map[string][]Event{}, summaries: map[string]*Summary{}, keys: map[string]keyed{}}
}

// Append implements Store.
func (m *MemoryStore) Append(ctx context.Context, req AppendRequest) (AppendResult, error) {
	if err := req.Check(); err != nil {
		return AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return AppendResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[req.Key]; ok && req.Key != "" {
		if err := req.KeyUse(k.caseID, k.digest); err != nil {
			return AppendResult{}, err
		}
		return AppendResult{Events: slices.Clone(m.events[k.caseID][k.from-1 : k.to]), Replayed: true}, nil
	}
	if have := len(m.events[req.CaseID]); have != req.ExpectedVersion {
		return AppendResult{}, fmt.Errorf("%w: case %q is at version %d, not %d", ErrConflict, req.CaseID, have, req.ExpectedVersion)
	}
	if req.Audit != nil {
		var tail AuditTail
		if n := len(m.audit); n > 0 {
			tail = AuditTail{Seq: m.audit[n-1].Seq, Hash: m.audit[n-1].Hash}
		}
		entries, _, err := ChainAudit(req.Audit, tail, req.Events)
		if err != nil {
			return AppendResult{}, err
		}
		m.audit = append(m.audit, entries...)
	}
	m.events[req.CaseID] = append(m.events[req.CaseID], req.Events...)
	sm := req.Summary
	m.summaries[req.CaseID] = &sm
	if req.Key != "" {
		m.keys[req.Key] = keyed{req.CaseID, req.ExpectedVersion + 1, req.ExpectedVersion + len(req.Events), req.Digest}
	}
	return AppendResult{Events: slices.Clone(req.Events)}, nil
}

// AuditEntries returns the audit entries appends gave (AppendRequest.Audit),
// in order.
func (m *MemoryStore) AuditEntries() []AuditEntry {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.audit)
}

// Events implements Store.
func (m *MemoryStore) Events(_ context.Context, caseID string) ([]Event, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	evs, ok := m.events[caseID]
	if !ok {
		return nil, fmt.Errorf("%w: case %q", ErrNotFound, caseID)
	}
	return slices.Clone(evs), nil
}

// Replay implements Store.
func (m *MemoryStore) Replay(_ context.Context, key string) ([]Event, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k, ok := m.keys[key]
	if !ok || key == "" {
		return nil, nil
	}
	return slices.Clone(m.events[k.caseID][k.from-1 : k.to]), nil
}

// KeyDigest implements Store.
func (m *MemoryStore) KeyDigest(_ context.Context, key string) (string, string, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k, ok := m.keys[key]
	if !ok || key == "" {
		return "", "", false, nil
	}
	return k.caseID, k.digest, true, nil
}

// PutSummary implements SummaryWriter.
func (m *MemoryStore) PutSummary(_ context.Context, s Summary) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.summaries[s.CaseID]; !ok || old.Version != s.Version {
		return false, nil
	}
	m.summaries[s.CaseID] = &s
	return true, nil
}

// Cases implements Store.
func (m *MemoryStore) Cases(_ context.Context, q CaseQuery) ([]Summary, error) {
	m.mu.RLock()
	var out []Summary
	for _, s := range m.summaries {
		if (q.Stage == "" || s.Stage == q.Stage) && s.CaseID > q.After {
			out = append(out, *s)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Summary) int { return cmp.Compare(a.CaseID, b.CaseID) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// Worklist implements Store.
func (m *MemoryStore) Worklist(_ context.Context, q WorklistQuery) ([]WorkItem, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return Worklist(maps.Values(m.summaries), q), nil
}
