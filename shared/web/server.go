// Package web is the api function: the JSON API the drafting form and scripts use,
// sign-in by email link, and the approvers' review page reached from their email. It is
// a plain net/http handler; the local stack serves it directly, Lambda through the API
// Gateway adapter (apigw.go). Every change of a report's state goes through
// shared/lifecycle: a handler reads the request, calls it, and writes the answer.
package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/mail"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/site"
	"nianbao/shared/store"
)

// Server is the web side of nianbao.
type Server struct {
	Store *store.Store
	Life  *lifecycle.Lifecycle
	Mail  mail.Sender
	Keys  *links.Keyring
	// BaseURL is the absolute address of this app; every link in mail is built on it.
	BaseURL string
	// SiteURL is the public address of the published tree's root (shared/site).
	SiteURL string
	// SecureCookies marks the session cookie Secure (on AWS, behind HTTPS).
	SecureCookies bool
	// SignIn takes sign-in requests on (the sign-in function); see queueLogin.
	SignIn SignInQueue
	Log    *slog.Logger
}

// Limits on what a request may carry.
const (
	maxBody     = report.MaxDocumentSize + 64<<10 // a document plus room for a wrapper
	maxFormBody = 64 << 10
	cookieName  = "nianbao_session"
)

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// route is one entry of the routes table.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// routes is every address the app answers, in one table.
func (s *Server) routes() []route {
	static := staticFiles()
	return []route{
		{"GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) }},

		// Sign-in by email link.
		{"POST /api/auth/link", s.requestLogin},
		{"POST /api/auth/logout", s.logout},
		{"GET /login/{id}/{secret}", s.loginPage},
		{"POST /login/{id}/{secret}", s.login},

		// The JSON API.
		{"GET /api/me", s.authed(s.me)},
		{"GET /api/reports/{agency}", s.authed(s.listReports)},
		{"GET /api/reports/{agency}/{year}", s.authed(s.getReport)},
		{"PUT /api/reports/{agency}/{year}", s.authed(s.saveDraft)},
		{"POST /api/reports/{agency}/{year}/submit", s.authed(s.submit)},
		{"POST /api/reports/{agency}/{year}/withdraw", s.authed(s.withdraw)},
		{"POST /api/reports/{agency}/{year}/check", s.authed(s.checkDraft)},
		{"GET /api/reports/{agency}/{year}/prefill", s.authed(s.prefillDraft)},
		{"POST /api/validate", s.validate},

		// The supervisor's console (supervise.go).
		{"GET /api/supervise/{unit}", s.authed(s.superviseBoard)},
		{"GET /api/supervise/{unit}/{year}", s.authed(s.superviseBoard)},
		{"POST /api/supervise/{unit}/{year}/remind", s.authed(s.superviseRemind)},
		{"GET /api/supervise/{unit}/{year}/export.xlsx", s.authed(s.superviseExport)},
		{"GET /api/supervise/{unit}/{year}/export.csv", s.authed(s.superviseExport)},
		{"GET /api/supervise/{unit}/{year}/summary", s.authed(s.superviseSummary)},
		{"GET /api/supervise/{unit}/{year}/{agency}", s.authed(s.superviseUnit)},
		{"POST /api/supervise/{unit}/{year}/{agency}/correction", s.authed(s.superviseCorrection)},
		{"GET /supervise", s.supervisePage},
		{"GET /supervise/{unit}", s.supervisePage},
		{"GET /supervise/{unit}/{year}", s.supervisePage},
		{"POST /supervise/{unit}/{year}/remind", s.superviseRemindForm},
		{"GET /supervise/{unit}/{year}/summary", s.superviseSummaryPage},
		{"GET /supervise/{unit}/{year}/{agency}", s.superviseUnitPage},
		{"POST /supervise/{unit}/{year}/{agency}/correction", s.superviseCorrectionForm},

		// The approvers' review page, from their mail.
		{"GET /review/{id}/{secret}", s.reviewPage},
		{"POST /review/{id}/{secret}", s.decide},
		{"GET /review/{id}/{secret}/" + fileReportDocx, s.reviewFile(fileReportDocx)},
		{"GET /review/{id}/{secret}/" + fileSheet, s.reviewFile(fileSheet)},
		{"GET /review/{id}/{secret}/" + fileSheetDocx, s.reviewFile(fileSheetDocx)},
		// The same page for a signed-in approver, from 「待我审批」 (mine.go).
		{"GET /approvals/{id}", s.signedInApprover(s.reviewPage)},
		{"POST /approvals/{id}", s.signedInApprover(s.decide)},
		{"GET /approvals/{id}/" + fileReportDocx, s.signedInApprover(s.reviewFile(fileReportDocx))},
		{"GET /approvals/{id}/" + fileSheet, s.signedInApprover(s.reviewFile(fileSheet))},
		{"GET /approvals/{id}/" + fileSheetDocx, s.signedInApprover(s.reviewFile(fileSheetDocx))},

		// The drafters' pages.
		{"GET /{$}", s.home},
		{"POST /signin", s.signinForm},
		{"POST /signout", s.signOut},
		{"GET /reports/new", s.newReportPage},
		{"POST /reports/new", s.createReport},
		// Existing reports brought in (imports.go).
		{"POST /reports/import/previous", s.importPrevious},
		{"POST /reports/import/previous/confirm", s.confirmImport},
		{"POST /reports/import/draft", s.importDraft},
		{"GET /reports/{agency}/{year}/imported", s.importedReportPage},
		{"GET /reports/{agency}/{year}", s.reportPage},
		{"GET /reports/{agency}/{year}/edit", s.editPage},
		{"GET /reports/{agency}/{year}/status", s.statusPage},
		{"GET /reports/{agency}/{year}/preview", s.previewPage},
		// The filing copies of a submitted version (filing.go).
		{"GET /reports/{agency}/{year}/versions/{n}/" + fileReportDocx, s.versionFile(fileReportDocx)},
		{"GET /reports/{agency}/{year}/versions/{n}/" + fileSheet, s.versionFile(fileSheet)},
		{"GET /reports/{agency}/{year}/versions/{n}/" + fileSheetDocx, s.versionFile(fileSheetDocx)},

		// Approvers away (away.go): one's substitute (代理), the admin's reassignment.
		{"GET /substitute", s.substitutePage},
		{"POST /substitute", s.setSubstitute},
		{"GET /reassign", s.reassignPage},
		{"POST /reassign/{id}", s.reassign},

		// Files.
		{"GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(render.Assets())).ServeHTTP},
		{"GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP},
		// Browsers ask for it on every page; a 404 there fills the console with noise.
		{"GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }},
	}
}

// Handler is the whole web app.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.pattern, rt.handler)
	}
	return s.recover(securityHeaders(sameSiteWrites(s.sameOrigin(s.notFound(mux)))))
}

// notFound answers, in Chinese, what the mux would answer in English: an address no
// route has (404), or a route without this method (405, with its Allow header). JSON
// under /api/, a page elsewhere.
func (s *Server) notFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own answer tells 404 from 405 (and redirects, e.g. a missing
		// trailing slash, which pass as they are).
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
		default:
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			w.Write(rec.body.Bytes())
			return
		}
		code, msg := lifecycle.CodeNotFound, "没有这个地址。"
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			code, msg = lifecycle.CodeMethod, fmt.Sprintf("这个地址不接受 %s 请求。", r.Method)
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeError(w, code, msg)
			return
		}
		s.page(w, r, codeStatus[code], "message", messagePage{layout: layout{Title: msg}, Message: msg, Link: "/", LinkText: "返回首页"})
	})
}

// statusRecorder keeps what a handler answers, to answer it differently.
type statusRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// sameSiteWrites refuses a state-changing request another site's page made the browser
// send (a cross-site form post): every form and script of the app posts from its own
// pages. Browsers say so in Sec-Fetch-Site; requests without it (scripts, older
// browsers) pass on to the handlers' own checks (JSON content type, CSRF tokens).
func sameSiteWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			switch r.Header.Get("Sec-Fetch-Site") {
			case "", "same-origin", "none":
			default:
				writeError(w, lifecycle.CodeForbidden, "请从本系统的页面提交。")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a state-changing request whose Origin is another site's, or
// "null" (what a page that hides where it is from sends). Browsers send Origin with
// every POST, also those that send no Sec-Fetch-Site; scripts and curl send none, and
// pass on to the other checks (JSON content type, the forms' tokens).
func (s *Server) sameOrigin(next http.Handler) http.Handler {
	own := ""
	if u, err := url.Parse(s.BaseURL); err == nil && u.Host != "" {
		own = u.Scheme + "://" + u.Host
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && r.Method != http.MethodGet && r.Method != http.MethodHead {
			u, err := url.Parse(o)
			if o == "null" || err != nil || !(strings.EqualFold(o, own) || strings.EqualFold(u.Host, r.Host)) {
				writeError(w, lifecycle.CodeForbidden, "请从本系统的页面提交。")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// routeOf names a request in the log by its route pattern, never its path: the paths of
// sign-in and review links carry their secrets.
func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method + " (no route)"
}

// recover turns a panic into a plain 500: the client never sees a stack trace; the log
// has it.
func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log().ErrorContext(r.Context(), "panic", "method", r.Method, "route", routeOf(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, lifecycle.CodeInternal, internalMessage)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// Links carry secrets: never leak them to another site. same-origin, not
		// no-referrer: under no-referrer browsers send "Origin: null" with the app's own
		// forms, and sameOrigin could not tell them from another site's.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// codeStatus is the HTTP status of each application error code: the one table.
var codeStatus = map[lifecycle.Code]int{
	lifecycle.CodeInvalid:       http.StatusBadRequest,
	lifecycle.CodeUnauthorized:  http.StatusUnauthorized,
	lifecycle.CodeForbidden:     http.StatusForbidden,
	lifecycle.CodeNotFound:      http.StatusNotFound,
	lifecycle.CodeMethod:        http.StatusMethodNotAllowed,
	lifecycle.CodeConflict:      http.StatusConflict,
	lifecycle.CodeStale:         http.StatusPreconditionFailed,
	lifecycle.CodeTooLarge:      http.StatusRequestEntityTooLarge,
	lifecycle.CodeUnsupported:   http.StatusUnsupportedMediaType,
	lifecycle.CodeUnprocessable: http.StatusUnprocessableEntity,
	lifecycle.CodeUnavailable:   http.StatusServiceUnavailable,
	lifecycle.CodeInternal:      http.StatusInternalServerError,
}

// statusOf is the HTTP status of a code (500 for a code the table lacks).
func statusOf(c lifecycle.Code) int {
	if st, ok := codeStatus[c]; ok {
		return st
	}
	return http.StatusInternalServerError
}

const internalMessage = "服务器内部错误，请稍后再试。"

// apiError is the JSON body of every error the API returns.
type apiError struct {
	Error    string           `json:"error"`
	Code     lifecycle.Code   `json:"code"`
	Path     string           `json:"path,omitempty"`
	Line     int              `json:"line,omitempty"`
	Column   int              `json:"column,omitempty"`
	Findings []report.Finding `json:"findings,omitempty"`
}

// draftConflict is the 412 body: the draft as it now stands, so the editor can show
// both versions and let the clerk keep theirs.
type draftConflict struct {
	Error     string          `json:"error"`
	Code      lifecycle.Code  `json:"code"`
	ETag      string          `json:"etag"`
	Draft     json.RawMessage `json:"draft"`
	Updated   string          `json:"updated"`
	UpdatedBy string          `json:"updated_by"`
	Status    string          `json:"status"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// writeError answers an error of a code with a message.
func writeError(w http.ResponseWriter, code lifecycle.Code, msg string) {
	writeJSON(w, statusOf(code), apiError{Error: msg, Code: code})
}

// fail answers err as JSON: an application error with its code's status and what it
// carries; anything else is logged and answered 500 without details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := lifecycle.AsError(err)
	if !ok || e.Code == lifecycle.CodeInternal {
		s.internal(w, r, err)
		return
	}
	if e.Err != nil {
		s.log().InfoContext(r.Context(), "request refused", "route", routeOf(r), "code", e.Code, "err", e.Err)
	}
	if e.Code == lifecycle.CodeUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	if e.Code == lifecycle.CodeStale && e.Current != nil {
		cur := e.Current
		w.Header().Set("ETag", etag(cur.Rev))
		writeJSON(w, statusOf(e.Code), draftConflict{Error: e.Message, Code: e.Code,
			ETag: etag(cur.Rev), Draft: json.RawMessage(cur.Draft), Updated: bjTime(cur.Updated), UpdatedBy: cur.UpdatedBy,
			Status: string(cur.Status)})
		return
	}
	writeJSON(w, statusOf(e.Code), apiError{Error: e.Message, Code: e.Code, Path: e.Path, Line: e.Line, Column: e.Column, Findings: e.Findings})
}

// retryAfterSeconds is the Retry-After of a 503 (CodeUnavailable): DynamoDB's
// throttling passes within seconds.
const retryAfterSeconds = 2

// internal logs an unexpected error and answers 500 without details; a service behind
// that is busy for the moment (a throttled store) is answered 503 as fail answers it.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := lifecycle.AsError(err); ok && e.Code == lifecycle.CodeUnavailable {
		s.fail(w, r, err)
		return
	}
	s.log().ErrorContext(r.Context(), "request failed", "method", r.Method, "route", routeOf(r), "err", err)
	writeError(w, lifecycle.CodeInternal, internalMessage)
}

// readJSON decodes a small JSON body strictly into v: unknown fields and trailing data
// are errors, and an empty body is allowed when emptyOK. It answers the error itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) bool {
	body, ok := readBody(w, r, maxFormBody, "请求体过大。")
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errTrailing
	}
	switch {
	case err == nil:
		return true
	case errors.Is(err, io.EOF) && emptyOK:
		return true
	default:
		writeError(w, lifecycle.CodeInvalid, "请求体不是有效的 JSON："+jsonProblem(err))
	}
	return false
}

var errTrailing = errors.New("trailing data")

// jsonProblem says in Chinese what is wrong with a JSON body: never the decoder's own
// English text.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errTrailing):
		return "JSON 之后还有多余内容。"
	case errors.Is(err, io.EOF):
		return "请求体为空。"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON 不完整。"
	case errors.As(err, &syn):
		return fmt.Sprintf("第 %d 个字节处格式错误。", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("字段「%s」的类型不对。", typ.Field)
		}
		return "值的类型不对。"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("不认识的字段 %s。", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return "格式错误。"
}

// jsonRequest refuses a state-changing API request that a plain HTML form on another
// site could send: those cannot set Content-Type application/json without a CORS
// preflight we never grant. With SameSite=Lax cookies this closes CSRF on the API.
func jsonRequest(w http.ResponseWriter, r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if strings.TrimSpace(strings.ToLower(ct)) != "application/json" {
		writeError(w, lifecycle.CodeUnsupported, "请求须为 JSON（Content-Type: application/json）。")
		return false
	}
	if p := charsetProblem(r.Header.Get("Content-Type")); p != "" {
		writeError(w, lifecycle.CodeUnsupported, p)
		return false
	}
	return true
}

// clientIP is the address the request came from, for the audit log: the connection's
// peer, which the API Gateway adapter sets from requestContext.http.sourceIp. Not
// X-Forwarded-For: its first entry is whatever the client chose to send.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// yearOf reads the {year} of a path; ok is false when it cannot be a report's year.
func yearOf(r *http.Request) (int, bool) {
	y, err := strconv.Atoi(r.PathValue("year"))
	return y, err == nil && report.ValidYear(y)
}

// pathYear reads the {year} of an API path, answering 404 when it is no year.
func pathYear(w http.ResponseWriter, r *http.Request) (int, bool) {
	y, ok := yearOf(r)
	if !ok {
		writeError(w, lifecycle.CodeNotFound, fmt.Sprintf("年度 %q 无效。", r.PathValue("year")))
	}
	return y, ok
}

// publishedURL is the public address of an agency's report of a year.
func (s *Server) publishedURL(agency string, year int) string {
	return site.ReportURL(s.SiteURL, agency, year)
}

func bjTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format(time.RFC3339)
}

// beijing is the zone every date shown to people is in.
var beijing = render.Beijing()
