package web

import (
	"net/http/httptest"
	"testing"

	"nianbao/shared/links"
)

func TestSafeReturn(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/reports/a/2025", "/reports/a/2025"},
		{"/reports/a/2025/edit?x=1", "/reports/a/2025/edit?x=1"},
		{"/approvals/abc", "/approvals/abc"},
		{"/", ""}, // home is where a sign-in goes anyway
		{"//evil.example/reports/", ""},
		{"/\\evil.example", ""},
		{"https://evil.example/reports/a", ""},
		{"reports/a/2025", ""},
		{"/reports/a\r\nSet-Cookie: x", ""},
		{"/login/abc/def", ""},
		{"/api/reports/a/2025", ""},
		{"", ""},
	} {
		if got := links.SafeReturn(c.in); got != c.want {
			t.Errorf("links.SafeReturn(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSignInLinkCarriesTheReturnPath(t *testing.T) {
	link := links.WithNext("http://app/login/i/s", "/reports/a/2025/edit")
	if link != "http://app/login/i/s?next=%2Freports%2Fa%2F2025%2Fedit" {
		t.Fatalf("link: %s", link)
	}
	if got := afterSignIn(httptest.NewRequest("POST", link, nil)); got != "/reports/a/2025/edit" {
		t.Errorf("after sign-in: %s", got)
	}
	if got := afterSignIn(httptest.NewRequest("POST", "http://app/login/i/s?next=%2F%2Fevil.example", nil)); got != "/" {
		t.Errorf("after sign-in with a foreign next: %s", got)
	}
	if got := links.WithNext("http://app/login/i/s", "https://evil.example/"); got != "http://app/login/i/s" {
		t.Errorf("a foreign next was put in the link: %s", got)
	}
}
