package links

import (
	"net/url"
	"strings"
)

// A page that needs a session, opened without one, sends its path through the sign-in:
// the sign-in link carries it as ?next= and the sign-in returns there (shared/web).

// NextParam is the query parameter of a sign-in link that carries the return path.
const NextParam = "next"

// SafeReturn is p when it is a path on this site to return to after signing in, and ""
// otherwise: an absolute URL, a scheme-relative //host, a backslash some browsers read as
// a slash, control characters, or anything but the app's own pages is refused, so that a
// crafted sign-in link cannot send anyone elsewhere.
func SafeReturn(p string) string {
	if len(p) > 512 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\x00\r\n\t") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	if !strings.HasPrefix(u.Path, "/reports/") && !strings.HasPrefix(u.Path, "/approvals/") {
		return ""
	}
	return p
}

// WithNext adds the return path to a sign-in link.
func WithNext(link, next string) string {
	if next = SafeReturn(next); next == "" {
		return link
	}
	return link + "?" + NextParam + "=" + url.QueryEscape(next)
}
