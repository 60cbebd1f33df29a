package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"nianbao/shared/signin"
)

// queue records what the api hands on, and fails when told to.
type queue struct {
	got  []signin.Request
	fail bool
}

func (q *queue) Enqueue(_ context.Context, req signin.Request) error {
	q.got = append(q.got, req)
	if q.fail {
		return errors.New("lambda: Invoke: ServiceException")
	}
	return nil
}

// Sign-in answers 202 with one body whatever happens after: the request is handed on
// (the address as parsed) and a failure to hand it on is logged, not answered. What
// the address is (registered or not) is not looked at here at all: the Server has no
// store, and answers.
func TestSignInAnswersBeforeKnowingAnything(t *testing.T) {
	type answer struct {
		status int
		body   string
	}
	ask := func(q *queue, form bool, email string) answer {
		s := &Server{SignIn: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		var req *http.Request
		if form {
			req = httptest.NewRequest("POST", "/signin", strings.NewReader("email="+url.QueryEscape(email)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest("POST", "/api/auth/link", strings.NewReader(`{"email":"`+email+`"}`))
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return answer{rec.Code, rec.Body.String()}
	}
	for _, form := range []bool{false, true} {
		ok, failing := &queue{}, &queue{fail: true}
		first := ask(ok, form, " drafter@demo.local ")
		if first.status != http.StatusAccepted || !strings.Contains(first.body, "如果该邮箱已登记") {
			t.Fatalf("form=%v: %+v", form, first)
		}
		if len(ok.got) != 1 || ok.got[0].Email != "drafter@demo.local" {
			t.Errorf("form=%v: handed on %+v", form, ok.got)
		}
		for _, a := range []answer{ask(ok, form, "nobody@demo.local"), ask(failing, form, "drafter@demo.local")} {
			if a != first {
				t.Errorf("form=%v: %+v, want %+v", form, a, first)
			}
		}
		if len(failing.got) != 1 {
			t.Errorf("form=%v: the failing queue was given %d requests", form, len(failing.got))
		}
		// Not an address at all: refused, nothing handed on.
		bad := &queue{}
		if a := ask(bad, form, "Drafter <drafter@demo.local>"); a.status != http.StatusUnprocessableEntity || len(bad.got) != 0 {
			t.Errorf("form=%v: a display name: %+v, handed on %v", form, a, bad.got)
		}
	}
}
