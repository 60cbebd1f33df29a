package links

import (
	"strings"
	"testing"
)

func TestApprovalSecret(t *testing.T) {
	k, err := NewKeyring([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeyring([]byte(strings.Repeat("j", 32)))
	s := k.ApprovalSecret("a1", "Office@demo.local")
	if s != k.ApprovalSecret("a1", "office@demo.local") {
		t.Error("the secret depends on the case of the email")
	}
	if !ValidToken(s) {
		t.Errorf("secret %q is not a valid token", s)
	}
	for name, different := range map[string]string{
		"another approval":  k.ApprovalSecret("a2", "office@demo.local"),
		"another recipient": k.ApprovalSecret("a1", "director@demo.local"),
		"another key":       other.ApprovalSecret("a1", "office@demo.local"),
		"a CSRF token":      k.CSRF("a1", "office@demo.local"),
	} {
		if different == s {
			t.Errorf("%s gives the same secret", name)
		}
	}
	if k.CSRF("ab", "c") == k.CSRF("a", "bc") {
		t.Error("CSRF parts are not kept apart")
	}
}

func TestShortKeyRefused(t *testing.T) {
	if _, err := NewKeyring([]byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
}

func TestValidToken(t *testing.T) {
	for s, want := range map[string]bool{
		RandomSecret():                        true,
		"0123456789abcdef0123456789abcdef":    true,
		"short":                               false,
		"../../etc/passwd/../../../../x":      false,
		"<script>alert(1)</script>xxxxxxxxxx": false,
		strings.Repeat("a", 65):               false,
	} {
		if got := ValidToken(s); got != want {
			t.Errorf("ValidToken(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestURL(t *testing.T) {
	if got := ApprovalURL("http://127.0.0.1:8080/", "id1", "s/x"); got != "http://127.0.0.1:8080/review/id1/s%2Fx" {
		t.Errorf("ApprovalURL = %s", got)
	}
	if Hash("a") == Hash("b") || len(Hash("a")) != 64 {
		t.Error("Hash is not a sha256 hex digest")
	}
	if !Equal("x", "x") || Equal("x", "y") {
		t.Error("Equal is wrong")
	}
}
