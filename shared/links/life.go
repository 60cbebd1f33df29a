package links

import (
	"fmt"
	"strconv"
	"time"
)

// How long what a link opens stays usable. The mail and the pages that state a lifetime
// print it with Lifetime, so the words and the check cannot disagree.
const (
	LoginLife   = 15 * time.Minute // a sign-in link
	SessionLife = 8 * time.Hour    // a signed-in browser
)

// Lifetime says a duration as people read it: "15 分钟", "8 小时", "2 天".
func Lifetime(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d 天", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%d 分钟", (d+time.Minute-1)/time.Minute)
	}
	return fmt.Sprintf("%d 秒", (d+time.Second-1)/time.Second)
}

// ReportURL is a report's own page in the web app, /reports/{agency}/{year}: the form
// or its status. Mail links to it; base "" gives the path alone.
func ReportURL(base, agency string, year int) string {
	return URL(base, "reports", agency, strconv.Itoa(year))
}
