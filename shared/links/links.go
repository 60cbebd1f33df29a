// Package links makes and checks the links nianbao mails: sign-in links and approval
// links. A link carries a random id and a secret; the table keeps only a hash of the
// secret, so a leaked table gives no working link.
//
// Approval secrets are derived (HMAC) from the approval id and the recipient with a
// server key, because a reminder must mail the same link again and the plain secret is
// never stored.
package links

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// MinKeyLen is the shortest server key accepted (256 bits).
const MinKeyLen = 32

// Keyring derives link secrets and CSRF tokens from the server key.
type Keyring struct {
	key atomic.Pointer[[]byte] // nil until a lazy keyring is loaded

	mu   sync.Mutex // serialises load
	load func(ctx context.Context) ([]byte, error)
}

var errShortKey = errors.New("links: the link key must be at least 32 bytes")

// NewKeyring makes a keyring from the server key (the LinkKey secret).
func NewKeyring(key []byte) (*Keyring, error) {
	if len(key) < MinKeyLen {
		return nil, errShortKey
	}
	k := &Keyring{}
	key = append([]byte(nil), key...)
	k.key.Store(&key)
	return k, nil
}

// NewLazyKeyring makes a keyring whose key load reads when it is first needed, not
// when the function starts: only the functions that make or check links pay for the
// read (a Secrets Manager call), and only once. Call Load where a failure can be
// answered (before a step that mails links, with a request); a secret derived before
// any successful Load reads the key then, and panics if it cannot.
func NewLazyKeyring(load func(ctx context.Context) ([]byte, error)) *Keyring {
	return &Keyring{load: load}
}

// Load reads a lazy keyring's key unless it has it already; a failed read is tried
// again by the next Load. It is nil at once for a keyring made with NewKeyring.
func (k *Keyring) Load(ctx context.Context) error {
	if k.key.Load() != nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key.Load() != nil {
		return nil
	}
	key, err := k.load(ctx)
	if err != nil {
		return fmt.Errorf("links: read the link key: %w", err)
	}
	if len(key) < MinKeyLen {
		return errShortKey
	}
	key = append([]byte(nil), key...)
	k.key.Store(&key)
	return nil
}

// Loaded reports whether the keyring has its key.
func (k *Keyring) Loaded() bool { return k.key.Load() != nil }

func (k *Keyring) mac(parts ...string) []byte {
	key := k.key.Load()
	if key == nil {
		if err := k.Load(context.Background()); err != nil {
			panic(err) // a caller that can answer a failure calls Load first
		}
		key = k.key.Load()
	}
	h := hmac.New(sha256.New, *key)
	for _, p := range parts {
		// Length-prefixing keeps ("ab","c") and ("a","bc") apart.
		h.Write([]byte{byte(len(p) >> 8), byte(len(p))})
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

// ApprovalSecret is the secret of the link mailed to one recipient of one approval:
// 128 bits, URL-safe.
func (k *Keyring) ApprovalSecret(approvalID, email string) string {
	return encode(k.mac("approval", approvalID, strings.ToLower(email))[:16])
}

// CSRF is the token a form carries to prove it was served by us for this subject
// (an approval and recipient, or a session).
func (k *Keyring) CSRF(parts ...string) string {
	return encode(k.mac(append([]string{"csrf"}, parts...)...)[:16])
}

// RandomSecret is a fresh random secret (256 bits, URL-safe), for sign-in links and
// session ids.
func RandomSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("links: crypto/rand failed: " + err.Error())
	}
	return encode(b[:])
}

// Hash is what the table keeps of a secret.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Equal compares secrets or tokens in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// ValidToken reports whether s looks like an id or secret we issue (URL-safe base64 or
// hex, of sane length), so that junk in a URL is refused before any lookup.
func ValidToken(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// URL joins the configured absolute base URL and path segments, escaping each segment.
func URL(base string, segments ...string) string {
	u := strings.TrimRight(base, "/")
	for _, s := range segments {
		u += "/" + url.PathEscape(s)
	}
	return u
}

// ApprovalURL is the link an approver gets: /review/{approval id}/{secret}.
func ApprovalURL(base, approvalID, secret string) string {
	return URL(base, "review", approvalID, secret)
}

// LoginURL is a sign-in link: /login/{id}/{secret}.
func LoginURL(base, id, secret string) string {
	return URL(base, "login", id, secret)
}
