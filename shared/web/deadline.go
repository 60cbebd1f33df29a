package web

import "time"

// 条例 第五十条: a year's report is published by 1月31日 of the next year (北京时间).

// deadline is the day a year's report is due, as a date in 北京时间.
func deadline(reportYear int) time.Time {
	return time.Date(reportYear+1, time.January, 31, 0, 0, 0, 0, beijing)
}

// currentReport is the report whose deadline comes next at now: in January the report on
// the year just ended (due at the month's end), from February on the report on the
// running year (due next January). daysLeft counts calendar days in 北京时间: 0 on the
// day itself.
func currentReport(now time.Time) (year int, due time.Time, daysLeft int) {
	bj := now.In(beijing)
	year = bj.Year()
	if bj.Month() == time.January {
		year--
	}
	due = deadline(year)
	return year, due, daysBetween(bj, due)
}

// daysBetween counts the calendar days from a's date to b's (both read in 北京时间);
// negative when b is earlier.
func daysBetween(a, b time.Time) int {
	a, b = a.In(beijing), b.In(beijing)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// defaultNewYear is the year the new-report page proposes: the year just ended when its
// report does not exist yet (in November a late report, in January the due one),
// otherwise the running year's.
func defaultNewYear(now time.Time, exists func(year int) bool) int {
	bj := now.In(beijing)
	last := bj.Year() - 1
	if !exists(last) {
		return last
	}
	cur, _, _ := currentReport(now)
	if !exists(cur) {
		return cur
	}
	return last
}
