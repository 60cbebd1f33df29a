package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEncodingProblem(t *testing.T) {
	for _, tt := range []struct {
		name string
		body string
		bad  bool
	}{
		{"plain UTF-8", `{"overview":"本年度共办结申请 21 件，含“引号”与 emoji 👍"}`, false},
		{"an escaped pair", `{"t":"\ud83d\ude00"}`, false},
		{"an escaped backslash before u", `{"t":"C:\\ud800"}`, false},
		{"an escaped quote", `{"t":"a\"b"}`, false},
		{"an invalid byte", "{\"t\":\"\xff\"}", true},
		{"an overlong slash", "{\"t\":\"\xc0\xaf\"}", true},
		{"an encoded surrogate", "{\"t\":\"\xed\xa0\x80\"}", true},
		{"GBK bytes", "{\"t\":\"\xd6\xd0\xce\xc4\"}", true},
		{"a lone high surrogate", `{"t":"\ud800"}`, true},
		{"a lone low surrogate", `{"t":"x\uDC00y"}`, true},
		{"a high surrogate then text", `{"t":"\ud83dabc"}`, true},
		{"two highs", `{"t":"\ud83d\ud83d"}`, true},
		{"a truncated pair at the end", `{"t":"\ud83d`, true},
	} {
		if got := encodingProblem([]byte(tt.body)) != ""; got != tt.bad {
			t.Errorf("%s: refused = %v, want %v", tt.name, got, tt.bad)
		}
	}
}

func TestBodiesRefusedNotRepaired(t *testing.T) {
	h := (&Server{}).Handler()
	for _, tt := range []struct {
		name, ctype, body string
		status            int
	}{
		{"invalid UTF-8", "application/json", "{\"format\":\"gip-2021\",\"agency\":\"\xff\"}", 400},
		{"a lone surrogate", "application/json", `{"format":"gip-2021","agency":"\ud800"}`, 400},
		{"declared GBK", "application/json; charset=gbk", `{"format":"gip-2021"}`, 415},
		{"declared GB18030", "application/json;charset=GB18030", `{"format":"gip-2021"}`, 415},
		{"declared UTF-8", "application/json; charset=UTF-8", `{"format":"gip-1999"}`, 422},
	} {
		req := httptest.NewRequest("POST", "/api/validate", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", tt.ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status || !han.MatchString(rec.Body.String()) {
			t.Errorf("%s: %d %s, want %d", tt.name, rec.Code, rec.Body.String(), tt.status)
		}
	}
	// The sign-in form (no script) refuses a value that is not UTF-8.
	req := httptest.NewRequest("POST", "/signin", strings.NewReader("email=%FF%FE"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a form value that is not UTF-8: %d", rec.Code)
	}
}
