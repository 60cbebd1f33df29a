// Package web is the api function: the JSON API the drafting form and scripts use,
// sign-in by email link, and the approvers' review page reached from their email. It is
// a plain net/http handler; the local stack serves it directly, Lambda through the API
// Gateway adapter (apigw.go).
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"nianbao/shared/links"
	"nianbao/shared/mail"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// SFN names the Step Functions calls the web makes.
type SFN interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	StopExecution(ctx context.Context, in *sfn.StopExecutionInput, opts ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

// Server is the web side of nianbao.
type Server struct {
	Store           *store.Store
	SFN             SFN
	Mail            mail.Sender
	Keys            *links.Keyring
	StateMachineARN string
	// BaseURL is the absolute address of this app; every link in mail is built on it.
	BaseURL string
	// SiteURL is the public address of the published tree's root (see approval.Publisher).
	SiteURL string
	// SecureCookies marks the session cookie Secure (on AWS, behind HTTPS).
	SecureCookies bool
	Log           *slog.Logger
}

// Limits on what a request may carry.
const (
	maxBody     = report.MaxDocumentSize + 64<<10 // a document plus room for a wrapper
	maxFormBody = 64 << 10
	sessionLife = 8 * time.Hour
	loginLife   = 15 * time.Minute
	cookieName  = "nianbao_session"
)

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Handler is the whole web app.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })

	mux.HandleFunc("POST /api/auth/link", s.requestLogin)
	mux.HandleFunc("POST /api/auth/logout", s.logout)
	mux.HandleFunc("GET /login/{id}/{secret}", s.loginPage)
	mux.HandleFunc("POST /login/{id}/{secret}", s.login)

	mux.HandleFunc("GET /api/me", s.authed(s.me))
	mux.HandleFunc("GET /api/reports/{agency}", s.authed(s.listReports))
	mux.HandleFunc("GET /api/reports/{agency}/{year}", s.authed(s.getReport))
	mux.HandleFunc("PUT /api/reports/{agency}/{year}", s.authed(s.saveDraft))
	mux.HandleFunc("POST /api/reports/{agency}/{year}/submit", s.authed(s.submit))
	mux.HandleFunc("POST /api/reports/{agency}/{year}/withdraw", s.authed(s.withdraw))
	mux.HandleFunc("POST /api/validate", s.validate)

	mux.HandleFunc("GET /review/{id}/{secret}", s.reviewPage)
	mux.HandleFunc("POST /review/{id}/{secret}", s.decide)

	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(render.Assets())))
	s.pages(mux)
	return s.recover(securityHeaders(sameSiteWrites(mux)))
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
				writeError(w, http.StatusForbidden, "请从本系统的页面提交。")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// route names a request in the log by its route pattern, never its path: the paths of
// sign-in and review links carry their secrets.
func route(r *http.Request) string {
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
				s.log().ErrorContext(r.Context(), "panic", "method", r.Method, "route", route(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, "服务器内部错误，请稍后再试。")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer") // links carry secrets: never leak them onward
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// apiError is the JSON body of every error the API returns.
type apiError struct {
	Error    string           `json:"error"`
	Path     string           `json:"path,omitempty"`
	Line     int              `json:"line,omitempty"`
	Column   int              `json:"column,omitempty"`
	Findings []report.Finding `json:"findings,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// internal logs an unexpected error and answers 500 without details.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log().ErrorContext(r.Context(), "request failed", "method", r.Method, "route", route(r), "err", err)
	writeError(w, http.StatusInternalServerError, "服务器内部错误，请稍后再试。")
}

// readJSON decodes a small JSON body strictly into v: unknown fields and trailing data
// are errors, and an empty body is allowed when emptyOK.
func readJSON(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) bool {
	body := http.MaxBytesReader(w, r.Body, maxFormBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("请求体在 JSON 之后还有多余内容")
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.Is(err, io.EOF) && emptyOK:
		return true
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "请求体过大。")
	default:
		writeError(w, http.StatusBadRequest, "请求体不是有效的 JSON："+err.Error())
	}
	return false
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
		writeError(w, http.StatusUnsupportedMediaType, "请求须为 JSON（Content-Type: application/json）。")
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

// pathYear reads the {year} of a path.
func pathYear(w http.ResponseWriter, r *http.Request) (int, bool) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 2008 || y > 2100 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("年度 %q 无效。", r.PathValue("year")))
		return 0, false
	}
	return y, true
}

// beijing is the zone every date shown to people is in.
var beijing = render.Beijing()

func bjTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format(time.RFC3339)
}
