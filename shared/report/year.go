package report

// The years a report can be of: the 条例 is in force from the first, and a year past the
// last is a typo. The validator, the web paths and the new-report page read them here.
const (
	MinYear = 2008
	MaxYear = 2100
)

// ValidYear reports whether y can be a report's year.
func ValidYear(y int) bool { return y >= MinYear && y <= MaxYear }
