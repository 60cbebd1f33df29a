package webapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"nianbao/shared/app"
	"nianbao/shared/links"
)

// The web reads the link key with its first request, not when it is built; while the
// key cannot be read it answers 503 in Chinese, and the next request tries again.
func TestLinkKeyReadWithTheFirstRequest(t *testing.T) {
	reads, fail := 0, true
	a := &app.App{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Keys: links.NewLazyKeyring(func(context.Context) ([]byte, error) {
			reads++
			if fail {
				return nil, errors.New("AccessDeniedException")
			}
			return []byte(strings.Repeat("k", 32)), nil
		}),
	}
	h := Handler(a)
	if reads != 0 {
		t.Fatalf("the key was read %d times when the handler was built", reads)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	var body struct{ Error, Code string }
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusServiceUnavailable || body.Code != "unavailable" || !strings.Contains(body.Error, "暂时不可用") {
		t.Errorf("with the key unreadable: %d %s", rec.Code, rec.Body)
	}
	fail = false
	for range 2 {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("with the key readable: %d %s", rec.Code, rec.Body)
		}
	}
	if reads != 2 {
		t.Errorf("%d reads, want 2 (one failed, one kept)", reads)
	}
}
