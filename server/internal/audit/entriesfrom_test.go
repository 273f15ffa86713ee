package audit

import (
	"context"
	"testing"
)

// TestEntriesFrom: a reader that saw up to entry 2 reads entries 3 on,
// in order; 0 reads from the first.
func TestEntriesFrom(t *testing.T) {
	for _, s := range stores(t) {
		t.Run(s.name, func(t *testing.T) {
			l := s.open(t, Options{})
			appendN(t, l, 5)
			seqs := func(from int64) []int64 {
				var got []int64
				if err := l.EntriesFrom(context.Background(), from, func(e *Entry) error {
					got = append(got, e.Seq)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				return got
			}
			if got := seqs(3); len(got) != 3 || got[0] != 3 || got[2] != 5 {
				t.Errorf("from 3: %v", got)
			}
			if got := seqs(0); len(got) != 5 || got[0] != 1 {
				t.Errorf("from 0: %v", got)
			}
			if got := seqs(6); len(got) != 0 {
				t.Errorf("from 6: %v", got)
			}
		})
	}
}
