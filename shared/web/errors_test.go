package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"nianbao/shared/lifecycle"
)

var han = regexp.MustCompile(`\p{Han}`)

// goText is what Go's decoders and the mux say in English; none of it may reach a user.
var goText = regexp.MustCompile(`json: |invalid character|unexpected end|cannot unmarshal|page not found|Method Not Allowed`)

func TestEveryCodeHasAStatus(t *testing.T) {
	seen := map[int]lifecycle.Code{}
	for _, c := range lifecycle.Codes() {
		st, ok := codeStatus[c]
		if !ok {
			t.Errorf("code %s has no HTTP status", c)
		}
		if other, dup := seen[st]; dup {
			t.Errorf("codes %s and %s share status %d", c, other, st)
		}
		seen[st] = c
	}
	if len(codeStatus) != len(lifecycle.Codes()) {
		t.Errorf("the table has %d codes, lifecycle %d", len(codeStatus), len(lifecycle.Codes()))
	}
}

// TestErrorsBeforeTheStore asks for what needs no table: every answer is Chinese, in the
// shape of its kind (JSON under /api/, a page elsewhere), with its code.
func TestErrorsBeforeTheStore(t *testing.T) {
	h := (&Server{}).Handler()
	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		page                            bool
	}{
		{"unknown API address", "GET", "/api/nothing", "", "", 404, false},
		{"a year that is none", "GET", "/api/reports/demo/1999", "", "", 401, false},
		{"API method not allowed", "DELETE", "/api/validate", "", "", 405, false},
		{"unknown page", "GET", "/nothing/here", "", "", 404, true},
		{"page method not allowed", "DELETE", "/reports/new", "", "", 405, true},
		{"not JSON", "POST", "/api/validate", "text/plain", "{}", 415, false},
		{"malformed JSON", "POST", "/api/auth/link", "application/json", `{"email":`, 400, false},
		{"a syntax error", "POST", "/api/auth/link", "application/json", `{"email" "x"}`, 400, false},
		{"an unknown field", "POST", "/api/auth/link", "application/json", `{"mail":"x@y"}`, 400, false},
		{"a wrong type", "POST", "/api/auth/link", "application/json", `{"email":1}`, 400, false},
		{"trailing data", "POST", "/api/auth/link", "application/json", `{"email":"a@b"} {}`, 400, false},
		{"not an address", "POST", "/api/auth/link", "application/json", `{"email":"not an address"}`, 422, false},
		{"not a report", "POST", "/api/validate", "application/json", `{"format":"gip-1999"}`, 422, false},
		{"a cross-site post", "POST", "/api/validate", "application/json", `{}`, 403, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.name == "a cross-site post" {
				req.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, body)
			}
			if goText.MatchString(body) || !han.MatchString(body) {
				t.Errorf("not a Chinese answer: %s", body)
			}
			if tt.status == 405 && rec.Header().Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if tt.page {
				if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, "<html") {
					t.Errorf("not a page: %s", body)
				}
				return
			}
			var e struct {
				Error string         `json:"error"`
				Code  lifecycle.Code `json:"code"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("not JSON: %v %s", err, body)
			}
			if e.Error == "" || codeStatus[e.Code] != tt.status {
				t.Errorf("error %q with code %q for status %d", e.Error, e.Code, tt.status)
			}
		})
	}
}

func TestFailAnswersWhatTheErrorCarries(t *testing.T) {
	s := &Server{}
	for _, tt := range []struct {
		err    error
		status int
		want   string
	}{
		{lifecycle.Errorf(lifecycle.CodeConflict, "第 %d 版已在审批中。", 2), http.StatusConflict, `"code":"conflict"`},
		{&lifecycle.Error{Code: lifecycle.CodeUnprocessable, Message: "报告中的年度不一致。", Path: "year"}, 422, `"path":"year"`},
		{&lifecycle.Error{Code: lifecycle.CodeUnavailable, Message: "审批流程暂时无法启动。"}, 503, `"code":"unavailable"`},
		{errTrailing, 500, `"code":"internal"`},
	} {
		rec := httptest.NewRecorder()
		s.fail(rec, httptest.NewRequest("POST", "/api/x", nil), tt.err)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%v → %d %s", tt.err, rec.Code, rec.Body.String())
		}
	}
}
