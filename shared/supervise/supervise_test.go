package supervise

import (
	"testing"
	"time"

	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

func TestDeadlines(t *testing.T) {
	bj := render.Beijing()
	tests := []struct {
		kind       string
		due        store.Due
		want, pubs string
	}{
		{store.KindDepartment, store.Due{}, "2026-01-31", "2026-01-31"},
		{store.KindTownship, store.Due{}, "2026-01-31", "2026-01-31"},
		{store.KindGovernment, store.Due{}, "2026-03-31", "2026-03-31"},
		{store.KindDepartment, store.Due{Department: "01-20", Publish: "02-28"}, "2026-01-20", "2026-02-28"},
		{store.KindTownship, store.Due{Township: "01-15"}, "2026-01-15", "2026-01-15"},
		{store.KindGovernment, store.Due{Government: "03-15", Publish: "02-28"}, "2026-03-15", "2026-03-15"},
	}
	for _, tt := range tests {
		d := DeadlinesOf(2025, tt.kind, tt.due)
		if d.Due.Format("2006-01-02") != tt.want || d.Publish.Format("2006-01-02") != tt.pubs || d.Due.Location() != bj {
			t.Errorf("%s %+v: %v %v, want %s %s", tt.kind, tt.due, d.Due, d.Publish, tt.want, tt.pubs)
		}
	}
	due := DeadlinesOf(2025, store.KindDepartment, store.Due{}).Due
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 1, 31, 23, 59, 0, 0, bj), 0},
		{time.Date(2026, 1, 31, 16, 30, 0, 0, time.UTC), -1}, // 2月1日 00:30 北京时间
		{time.Date(2026, 1, 1, 0, 0, 0, 0, bj), 30},
		{time.Date(2026, 3, 1, 12, 0, 0, 0, bj), -29},
	} {
		if got := DaysLeft(tc.at, due); got != tc.want {
			t.Errorf("DaysLeft(%v) = %d, want %d", tc.at, got, tc.want)
		}
	}
}

func TestFilterAndSort(t *testing.T) {
	b := &Board{Units: []Row{
		{Agency: "a", Kind: "department", State: "draft", Late: true, DaysLeft: -3, Errors: 2},
		{Agency: "b", Kind: "township", State: "published", DaysLeft: -3},
		{Agency: "c", Kind: "department", State: "not_started", Late: true, DaysLeft: -10, Errors: 0},
	}}
	if got := ids(b.Filter(StateLate, "")); got != "ac" {
		t.Errorf("late: %s", got)
	}
	if got := ids(b.Filter("", "township")); got != "b" {
		t.Errorf("township: %s", got)
	}
	if got := ids(b.Filter("draft", "department")); got != "a" {
		t.Errorf("draft departments: %s", got)
	}
	rows := b.Filter("", "")
	Sort(rows, "days_left", false)
	if got := ids(rows); got != "cab" {
		t.Errorf("by days left: %s", got)
	}
	Sort(rows, "errors", true)
	if got := ids(rows); got != "abc" {
		t.Errorf("by errors, descending: %s", got)
	}
}

func ids(rows []Row) string {
	s := ""
	for _, r := range rows {
		s += r.Agency
	}
	return s
}

// Amounts with decimals add up exactly, as written.
func TestSummarizeAddsDecimalsExactly(t *testing.T) {
	f := report.ForYear(2025)
	var tbl *report.Table
	var row *report.Row
	var col *report.Column
	EachCell(f, func(tb *report.Table, r *report.Row, c *report.Column) {
		if col == nil && c.Kind == report.Amount {
			tbl, row, col = tb, r, c
		}
	})
	if col == nil {
		t.Fatal("the format has no amount column")
	}
	var pubs []Published
	for _, v := range []string{"0.10", "0.2", "75394432.52"} {
		d := report.New(f, "x", 2025)
		cell, err := report.ParseCell(v)
		if err != nil {
			t.Fatal(err)
		}
		d.Grid(tbl.Key).SetAt(row, col, cell)
		pubs = append(pubs, Published{Unit: store.Unit{ID: v}, Doc: d})
	}
	sum := Summarize(&store.Agency{ID: "gov", Name: "政府"}, 2025, pubs, []string{"late"})
	if got := sum.Document.Grid(tbl.Key).At(row, col).String(); got != "75394432.82" {
		t.Errorf("sum = %s", got)
	}
	if len(sum.UnitsIncluded) != 3 || len(sum.UnitsMissing) != 1 || len(sum.Parts[CellPath(tbl, row, col)]) != 3 {
		t.Errorf("%+v", sum)
	}
	if hard := sum.HardFindings(); len(hard) != 0 {
		t.Errorf("an empty summary breaks hard rules: %+v", hard)
	}
}
