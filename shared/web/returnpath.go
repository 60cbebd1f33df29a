package web

import (
	"net/http"

	"nianbao/shared/links"
)

// A page that needs a session, opened without one (a link in a 退回 mail, in a browser
// that is not signed in), shows the sign-in form; the path it was opened at travels with
// the sign-in: the form's hidden field, the mailed link's ?next=, the sign-in button's
// form (which posts to its own address), and the redirect after signing in.

// returnPath is where a GET page asking for a session should come back to.
func returnPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	return links.SafeReturn(r.URL.RequestURI())
}

// afterSignIn is where a sign-in sends the browser: the link's return path, or home.
func afterSignIn(r *http.Request) string {
	if p := links.SafeReturn(r.URL.Query().Get(links.NextParam)); p != "" {
		return p
	}
	return "/"
}
