package links

import (
	"context"
	"errors"
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

// A lazy keyring reads its key at the first Load, once, tries again after a failure,
// and derives the same secrets as a keyring made from the key.
func TestLazyKeyringReadsOnceWhenFirstNeeded(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	reads := 0
	fail := true
	k := NewLazyKeyring(func(context.Context) ([]byte, error) {
		reads++
		if fail {
			return nil, errors.New("AccessDeniedException")
		}
		return key, nil
	})
	if reads != 0 || k.Loaded() {
		t.Fatal("the key was read when the keyring was made")
	}
	if err := k.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Fatalf("Load = %v, want the read's failure", err)
	}
	fail = false
	for range 3 {
		if err := k.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 2 {
		t.Errorf("%d reads, want 2 (one failed, one kept)", reads)
	}
	eager, _ := NewKeyring(key)
	if k.ApprovalSecret("a", "x@y") != eager.ApprovalSecret("a", "x@y") || k.CSRF("p") != eager.CSRF("p") {
		t.Error("a lazy keyring derives other secrets than its key's")
	}

	short := NewLazyKeyring(func(context.Context) ([]byte, error) { return []byte("short"), nil })
	if err := short.Load(context.Background()); err == nil {
		t.Error("a 5-byte key was accepted")
	}
	// A secret derived without a Load reads the key then.
	late := NewLazyKeyring(func(context.Context) ([]byte, error) { return key, nil })
	if late.CSRF("p") != eager.CSRF("p") {
		t.Error("a secret derived before Load is not the key's")
	}
}
