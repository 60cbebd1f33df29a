package web

import (
	"net/http"
	"net/url"
	"strings"
)

// A page that needs a session, opened without one (a link in a 退回 mail, in a browser
// that is not signed in), shows the sign-in form; the path it was opened at travels with
// the sign-in: the form's hidden field, the mailed link's ?next=, the sign-in button's
// form (which posts to its own address), and the redirect after signing in.

// nextParam is the query parameter of a sign-in link that carries the return path.
const nextParam = "next"

// safeReturn is p when it is a path on this site to return to after signing in, and ""
// otherwise: an absolute URL, a scheme-relative //host, a backslash some browsers read as
// a slash, control characters, or anything but the app's own pages is refused, so that a
// crafted sign-in link cannot send anyone elsewhere.
func safeReturn(p string) string {
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

// returnPath is where a GET page asking for a session should come back to.
func returnPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	return safeReturn(r.URL.RequestURI())
}

// withNext adds the return path to a sign-in link.
func withNext(link, next string) string {
	if next = safeReturn(next); next == "" {
		return link
	}
	return link + "?" + nextParam + "=" + url.QueryEscape(next)
}

// afterSignIn is where a sign-in sends the browser: the link's return path, or home.
func afterSignIn(r *http.Request) string {
	if p := safeReturn(r.URL.Query().Get(nextParam)); p != "" {
		return p
	}
	return "/"
}
