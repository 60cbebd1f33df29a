package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"nianbao/shared/store"
)

// manyLines writes a report with 150 saves by two people taking turns (each its own
// line), a submission and a withdrawal after every 25 (they move the saves into the
// audit log; the last 25 stay in the report item) and 65 other lines among them: 225
// lines. It returns how many, and the last version. (infra/local's
// TestTimelinePaginated does 600 saves and 250 lines through the API.)
func manyLines(t testing.TB, s *store.Store) (lines, version int) {
	t.Helper()
	ctx := context.Background()
	rev := 0
	for i := range 150 {
		var err error
		if rev, err = s.SaveDraft(ctx, "a", 2025, []byte(`{}`), rev, fmt.Sprintf("p%d@a", i%2), "ip"); err != nil {
			t.Fatal(err)
		}
		if i%12 < 5 {
			if err := s.Audit(ctx, "a", 2025, store.AuditEntry{Actor: "workflow", Action: store.ActionRemind, Version: version, Level: "局长"}); err != nil {
				t.Fatal(err)
			}
		}
		if i%25 == 24 && i < 125 {
			version++
			sub := store.Submission{Rev: rev, Version: store.Version{Agency: "a", Year: 2025, Number: version, Document: []byte(`{}`), SubmittedBy: "p1@a",
				Chain: []store.Level{{Name: "局长", Approvers: []string{"d@a"}}}}}
			if err := s.Submit(ctx, sub); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Withdraw(ctx, "a", 2025, version, "p1@a", "ip"); err != nil {
				t.Fatal(err)
			}
		}
	}
	return 150 + 65 + 2*version, version
}

// A report's timeline is read a page at a time, newest first: no page holds more than
// the limit asked for however many lines there are, and the pages together are every
// line once, in order (the whole timeline, read the old way, is the reference).
func TestTimelinePages(t *testing.T) {
	s := newStore(t)
	// A clock that moves 1 ms a call: every line has its own time.
	clock := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	s = s.WithClock(func() time.Time { clock = clock.Add(time.Millisecond); return clock })
	start := time.Now()
	want, version := manyLines(t, s)
	t.Logf("%d lines written in %v", want, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	all, err := s.Timeline(ctx, "a", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != want {
		t.Fatalf("%d lines in the whole timeline, want %d", len(all), want)
	}
	const pageSize = 40
	var got []store.AuditEntry
	before, pages := "", 0
	for {
		p, err := s.TimelinePage(ctx, "a", 2025, before, pageSize)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(p.Entries) > pageSize {
			t.Fatalf("page %d: %d lines, want at most %d", pages, len(p.Entries), pageSize)
		}
		if p.Next != "" && len(p.Entries) != pageSize {
			t.Errorf("page %d: %d lines and an older page", pages, len(p.Entries))
		}
		got = append(got, p.Entries...)
		if p.Next == "" {
			break
		}
		if p.Next != p.Cursor[len(p.Cursor)-1] {
			t.Errorf("page %d: next %q is not the oldest line's cursor %q", pages, p.Next, p.Cursor[len(p.Cursor)-1])
		}
		before = p.Next
		if pages > want {
			t.Fatal("the pages do not end")
		}
	}
	if pages != (want+pageSize-1)/pageSize {
		t.Errorf("%d pages for %d lines", pages, want)
	}
	if len(got) != len(all) {
		t.Fatalf("the pages hold %d lines, the timeline %d", len(got), len(all))
	}
	for i := range got {
		w := all[len(all)-1-i]
		g := got[i]
		if !g.At.Equal(w.At) || g.Actor != w.Actor || g.Action != w.Action || g.Count != w.Count || g.Version != w.Version {
			t.Fatalf("line %d of the pages %+v, want %+v", i, g, w)
		}
	}
	// A page of 7 from a line's cursor starts with the line after it.
	first, _ := s.TimelinePage(ctx, "a", 2025, "", 0)
	p, err := s.TimelinePage(ctx, "a", 2025, first.Cursor[41], 7)
	if err != nil || len(p.Entries) != 7 || !p.Entries[0].At.Equal(first.Entries[42].At) || p.Next != first.Cursor[48] {
		t.Errorf("7 lines after line 41: %d lines, next %q (want %q), err %v", len(p.Entries), p.Next, first.Cursor[48], err)
	}
	for _, bad := range []string{"x", "2026-03-01T08:00:00.000000000Z", "2026-03-01T08:00:00.000000000Z#a\uffff", "../YEAR#2025"} {
		if _, err := s.TimelinePage(ctx, "a", 2025, bad, 0); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}

	// The newest version's lines are read from its submission on: the submission, the
	// withdrawal and the reminders written after it, none of the saves.
	v, err := s.GetVersion(ctx, "a", 2025, version)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := s.VersionLines(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range lines {
		count[e.Action]++
	}
	// Reminders at i%12 < 5 for i in 125..149 (the last submission is at i = 124).
	reminders := 0
	for i := 125; i < 150; i++ {
		if i%12 < 5 {
			reminders++
		}
	}
	if len(count) != 3 || count[store.ActionSubmit] != 1 || count[store.ActionWithdraw] != 1 || count[store.ActionRemind] != reminders {
		t.Errorf("version %d's lines: %v, want 1 submit, 1 withdraw, %d remind", version, count, reminders)
	}
}
