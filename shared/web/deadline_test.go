package web

import (
	"testing"
	"time"
)

func TestCurrentReport(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		now      string
		year     int
		due      string
		daysLeft int
	}{
		{"2026-11-27T19:00:00Z", 2026, "2027-01-31", 64},  // 11月28日 北京时间
		{"2026-11-27T15:59:00Z", 2026, "2027-01-31", 65},  // still 11月27日 in Beijing
		{"2027-01-15T02:00:00Z", 2026, "2027-01-31", 16},  // January: last year's report is due
		{"2027-01-31T15:59:59Z", 2026, "2027-01-31", 0},   // 23:59:59 北京时间 on the day
		{"2027-01-31T16:00:00Z", 2027, "2028-01-31", 364}, // 2月1日 00:00 北京时间: the next one
		{"2028-02-28T16:00:00Z", 2028, "2029-01-31", 337}, // 2月29日 in a leap year
	} {
		year, due, left := currentReport(utc(c.now))
		if year != c.year || due.Format("2006-01-02") != c.due || left != c.daysLeft {
			t.Errorf("%s: report %d due %s, %d days left; want %d due %s, %d days",
				c.now, year, due.Format("2006-01-02"), left, c.year, c.due, c.daysLeft)
		}
		if due.Location() != beijing {
			t.Errorf("%s: deadline not in 北京时间", c.now)
		}
	}
}

func TestDefaultNewYear(t *testing.T) {
	nov := time.Date(2026, 11, 28, 10, 0, 0, 0, beijing)
	jan := time.Date(2027, 1, 10, 10, 0, 0, 0, beijing)
	have := func(ys ...int) func(int) bool {
		return func(y int) bool {
			for _, x := range ys {
				if x == y {
					return true
				}
			}
			return false
		}
	}
	for _, c := range []struct {
		now    time.Time
		exists func(int) bool
		want   int
	}{
		{nov, have(), 2025},           // the late report comes first
		{nov, have(2025), 2026},       // then the running year's
		{nov, have(2025, 2026), 2025}, // both there: the year just ended
		{jan, have(), 2026},           // in January the due report is last year's
		{jan, have(2026), 2026},
	} {
		if got := defaultNewYear(c.now, c.exists); got != c.want {
			t.Errorf("at %s: %d, want %d", c.now.Format("2006-01-02"), got, c.want)
		}
	}
}
