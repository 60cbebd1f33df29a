package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"nianbao/shared/store"
)

// A report with 600 saves by two people taking turns (600 lines: no two consecutive
// saves are one person's) and 250 other lines among them: the API answers at most 100
// lines a page, newest first, with the cursor of the next; every answer stays small;
// the pages together are every line once. The status page shows the newest 100 with a
// 「更早的记录」 link, and its pages too are every line once.
func TestTimelinePaginated(t *testing.T) {
	s := fresh(t, agencyYAML("ag30", "三十区应急管理局", 60, 3))
	ctx := context.Background()
	drafter := newClient(t, "drafter@ag30.local")
	drafter.signIn()
	rev := 0
	for i := range 600 {
		var err error
		if rev, err = s.SaveDraft(ctx, "ag30", 2025, []byte(`{}`), rev, fmt.Sprintf("p%d@ag30.local", i%2), "ip"); err != nil {
			t.Fatal(err)
		}
		if i%12 < 5 {
			if err := s.Audit(ctx, "ag30", 2025, store.AuditEntry{Actor: "workflow", Action: store.ActionRemind, Comment: fmt.Sprintf("第 %d 行", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	const lines = 600 + 250
	all, err := s.Timeline(ctx, "ag30", 2025)
	if err != nil || len(all) != lines {
		t.Fatalf("the store's whole timeline: %d lines (%v), want %d", len(all), err, lines)
	}

	type line struct {
		At, Actor, Action, Comment string
		Count                      int
	}
	var got []line
	before, pages, saves := "", 0, 0
	for {
		path := "/api/reports/ag30/2025"
		if before != "" {
			path += "?" + url.Values{"before": {before}}.Encode()
		}
		r := drafter.api("GET", path, nil, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		var v struct {
			Timeline []line `json:"timeline"`
			Next     string `json:"timeline_next"`
		}
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatal(err)
		}
		pages++
		if len(v.Timeline) > store.TimelinePageSize {
			t.Fatalf("page %d: %d lines, want at most %d", pages, len(v.Timeline), store.TimelinePageSize)
		}
		// A line is ~120 bytes of JSON: 100 of them and the rest of the report.
		if len(r.body) > 20<<10 {
			t.Errorf("page %d: %d bytes", pages, len(r.body))
		}
		for _, l := range v.Timeline {
			if l.Action == store.ActionSave {
				saves += l.Count
			}
		}
		got = append(got, v.Timeline...)
		if v.Next == "" {
			break
		}
		if pages > lines {
			t.Fatal("the pages do not end")
		}
		before = v.Next
	}
	if len(got) != lines || pages != (lines+99)/100 || saves != 600 {
		t.Errorf("%d pages give %d lines counting %d saves, want %d pages, %d lines, 600 saves", pages, len(got), saves, (lines+99)/100, lines)
	}
	// Every line once, newest first: the store's whole timeline (oldest first) is the
	// reference.
	beijing := time.FixedZone("CST", 8*3600)
	for i := range min(len(got), len(all)) {
		e := all[len(all)-1-i]
		want := line{At: e.At.In(beijing).Format(time.RFC3339), Actor: e.Actor, Action: e.Action, Comment: e.Comment, Count: e.Count}
		if got[i] != want {
			t.Fatalf("line %d of the pages: %+v, want %+v", i, got[i], want)
		}
	}
	if r := drafter.api("GET", "/api/reports/ag30/2025?before=YEAR%232025", nil, nil); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"invalid"`) {
		t.Errorf("a cursor the system did not give: %d %s", r.status, r.body)
	}

	// The status page: 100 rows, then an older page by its link, to the first line.
	rowPattern := regexp.MustCompile(`<tr class="(save|remind)">`)
	olderPattern := regexp.MustCompile(`<a href="([^"]+)" rel="next">更早的记录</a>`)
	next, rows, pages := "/reports/ag30/2025/status", 0, 0
	for next != "" {
		r := drafter.do("GET", webURL(next), nil, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", next, r.status)
		}
		body := string(r.body)
		n := len(rowPattern.FindAllString(body, -1))
		if n > store.TimelinePageSize {
			t.Errorf("status page %d: %d rows", pages, n)
		}
		if pages > 0 && !strings.Contains(body, "最新的记录") {
			t.Errorf("status page %d has no link back to the newest lines", pages)
		}
		rows += n
		pages++
		next = ""
		if m := olderPattern.FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		if pages > lines {
			t.Fatal("the status pages do not end")
		}
	}
	if rows != lines || pages != (lines+99)/100 {
		t.Errorf("the status pages show %d rows in %d pages, want %d in %d", rows, pages, lines, (lines+99)/100)
	}
}
