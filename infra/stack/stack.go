// Package stack is the local AWS of nianbao: moto (DynamoDB, S3, SES v2, Step
// Functions really executing the ASL), a Go gateway in front of it that
// serves the Lambda Invoke API by running the project's handlers in-process,
// and the resources created from template.yaml itself.
//
//	clients, moto's ASL interpreter ──► gateway ──► /2015-03-31/functions/*/invocations ──► Go handlers
//	                                            └─► anything else ──► moto
//
// The code under test is the code that runs on AWS: real SDK clients whose
// endpoint (AWS_ENDPOINT_URL) is the gateway.
package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"

	"nianbao/shared/awsconf"
)

// LambdaFactory builds the handler of a function from its environment, as
// the function's main does on Lambda. Build it with lambda.NewHandler(fn).
type LambdaFactory func(ctx context.Context, getenv func(string) string) (lambda.Handler, error)

// HTTPFactory builds the web handler of the function with the HttpApi event.
type HTTPFactory func(ctx context.Context, getenv func(string) string) (http.Handler, error)

// Options says which template to bring up and what runs its functions.
type Options struct {
	TemplatePath string            // default: template.yaml at the module root
	Parameters   map[string]string // template parameter overrides; others take their Default

	WebPort int // port of the web side on 127.0.0.1; 0 picks a free one

	// Seed runs once the resources exist and the handlers are built, before the web
	// port takes its first connection (demo data, say): whoever reaches the web side
	// finds the stack ready. An error stops the stack.
	Seed func(ctx context.Context, s *Stack) error

	// The functions of the template by logical id. Every function needs a
	// factory: HTTP for the one with an HttpApi event, Lambdas for the rest.
	Lambdas map[string]LambdaFactory
	HTTP    map[string]HTTPFactory

	// StandIns gives every function without a factory a stand-in that
	// fails, naming the function, and logs a warning for each at start. For
	// `nianbao run` while handlers are still being written; tests leave it
	// off, so that a function without a factory stops the stack.
	StandIns bool

	// Env is added to every function's environment, over the template's.
	Env map[string]string

	// SiteBucket is the logical id of the bucket the local stack serves at
	// /_local/site/ (what CloudFront serves on AWS); functions then get SITE_URL
	// pointing there. Empty: no site.
	SiteBucket string

	// Python runs moto; default FindPython.
	Python string

	// Endpoint, when set (e.g. LocalStack's http://localhost:4566), is used
	// instead of starting moto and the gateway; see docs/local-stack.md.
	Endpoint string

	Log     *slog.Logger // the stack's own log; default slog.Default()
	MotoLog io.Writer    // moto's output; default os.Stderr
	Verbose bool         // moto logs every request
}

// Stack is a running local stack.
type Stack struct {
	WebURL   string // the web side, http://127.0.0.1:PORT/
	Endpoint string // AWS_ENDPOINT_URL for clients: the gateway (or LocalStack)
	MotoURL  string // moto itself ("" on LocalStack), for /moto-api/

	Info struct { // what the moto launcher reported
		Moto, Python string
		Workarounds  []string
	}

	opts    Options
	log     *slog.Logger
	tmpl    *Template
	model   *model
	funcs   []functionSpec
	moto    *moto
	gw      *gateway
	gwSrv   *http.Server
	webSrv  *http.Server
	mux     *http.ServeMux
	cfg     aws.Config
	clients clients
	cancel  context.CancelFunc

	listeners []net.Listener // closed by Stop even if never served
	webPort   *reservedPort  // bound, not listening, until the stack is ready
	faults    faultSet       // answered by the gateway in place of moto (faults.go)

	stopOnce sync.Once
	stopErr  error
}

// Start brings the stack up: it returns once the resources exist, the handlers are
// built and Options.Seed has run. Until then the web port is bound but refuses
// connections. Stop it with Stop, whatever happens.
func Start(ctx context.Context, opts Options) (_ *Stack, err error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.MotoLog == nil {
		opts.MotoLog = os.Stderr
	}
	if opts.TemplatePath == "" {
		root, err := ModuleRoot()
		if err != nil {
			return nil, err
		}
		opts.TemplatePath = filepath.Join(root, "template.yaml")
	}
	s := &Stack{opts: opts, log: opts.Log, mux: http.NewServeMux()}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	// The handlers' background work (asynchronous invocations) ends with the stack.
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel

	if s.tmpl, err = LoadTemplate(opts.TemplatePath); err != nil {
		return nil, err
	}
	// The port is known now (BASE_URL names it) but takes connections only when
	// everything below is done.
	if s.webPort, err = reservePort(opts.WebPort); err != nil {
		return nil, fmt.Errorf("stack: web port: %w", err)
	}
	s.webSrv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	s.WebURL = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.webPort.port)) + "/"

	var gwLn net.Listener
	if opts.Endpoint != "" {
		s.Endpoint = strings.TrimRight(opts.Endpoint, "/")
	} else {
		if gwLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("stack: gateway port: %w", err)
		}
		s.listeners = append(s.listeners, gwLn)
		s.Endpoint = "http://" + gwLn.Addr().String()
	}

	// Everything that can be checked without moto is checked first.
	if s.model, err = newModel(s.tmpl, opts.Parameters, strings.TrimSuffix(s.WebURL, "/"), s.Endpoint); err != nil {
		return nil, fmt.Errorf("stack: %s: %w", opts.TemplatePath, err)
	}
	if s.funcs, err = s.model.functions(); err != nil {
		return nil, fmt.Errorf("stack: %s: %w", opts.TemplatePath, err)
	}
	if err := s.model.validate(); err != nil {
		return nil, fmt.Errorf("stack: %s: %w", opts.TemplatePath, err)
	}
	if err := s.checkFactories(); err != nil {
		return nil, fmt.Errorf("stack: %s: %w", opts.TemplatePath, err)
	}

	if opts.Endpoint == "" {
		python := opts.Python
		if python == "" {
			python = FindPython(nil)
		}
		gwPort := gwLn.Addr().(*net.TCPAddr).Port
		if s.moto, err = startMoto(ctx, python, gwPort, opts.MotoLog, opts.Verbose); err != nil {
			return nil, err
		}
		s.MotoURL = s.moto.url()
		s.Info.Moto, s.Info.Python, s.Info.Workarounds = s.moto.info.Moto, s.moto.info.Python, s.moto.info.Workarounds
		motoURL, _ := url.Parse(s.MotoURL)
		s.gw = newGateway(base, motoURL, s.log)
		s.gwSrv = &http.Server{Handler: s.faults.handler(s.gw), ReadHeaderTimeout: 10 * time.Second}
		go serve(s.gwSrv, gwLn, s.log, "gateway")
	}

	if s.cfg, err = awsconf.Load(ctx, s.stackEnv); err != nil {
		return nil, err
	}
	s.clients = newClients(s.cfg)
	if err := s.model.bootstrap(ctx, s.clients); err != nil {
		return nil, fmt.Errorf("stack: bootstrap from %s: %w", opts.TemplatePath, err)
	}
	if err := s.buildHandlers(ctx, base); err != nil {
		return nil, err
	}
	if opts.Seed != nil {
		if err := opts.Seed(ctx, s); err != nil {
			return nil, fmt.Errorf("stack: seed: %w", err)
		}
	}
	webLn, err := s.webPort.listen()
	if err != nil {
		return nil, fmt.Errorf("stack: web port: %w", err)
	}
	s.listeners = append(s.listeners, webLn)
	go serve(s.webSrv, webLn, s.log, "web")
	return s, nil
}

func serve(srv *http.Server, ln net.Listener, log *slog.Logger, what string) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("stack: server stopped", "server", what, "error", err)
	}
}

func (s *Stack) checkFactories() error {
	if s.opts.StandIns { // the caller's maps stay as they were
		s.opts.Lambdas = maps.Clone(s.opts.Lambdas)
		s.opts.HTTP = maps.Clone(s.opts.HTTP)
		if s.opts.Lambdas == nil {
			s.opts.Lambdas = map[string]LambdaFactory{}
		}
		if s.opts.HTTP == nil {
			s.opts.HTTP = map[string]HTTPFactory{}
		}
	}
	known := map[string]bool{}
	for _, f := range s.funcs {
		known[f.id] = true
		_, hasL := s.opts.Lambdas[f.id]
		_, hasH := s.opts.HTTP[f.id]
		if s.opts.StandIns && !hasL && !hasH {
			s.log.Warn("stack: function has no handler yet; a stand-in answers with an error", "function", f.id)
			if f.http {
				s.opts.HTTP[f.id], hasH = standInHTTP(f.id), true
			} else {
				s.opts.Lambdas[f.id], hasL = standInLambda(f.id), true
			}
		}
		switch {
		case f.http && !hasH:
			return fmt.Errorf("function %s has an HttpApi event but no HTTP factory (Options.HTTP[%q])", f.id, f.id)
		case !f.http && !hasL:
			return fmt.Errorf("function %s has no handler factory (Options.Lambdas[%q])", f.id, f.id)
		case f.http && hasL, !f.http && hasH:
			return fmt.Errorf("function %s: factory of the wrong kind (an HTTP factory is for the function with an HttpApi event)", f.id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.opts.Lambdas)) {
		if !known[id] {
			return fmt.Errorf("a factory is registered for %s, which is not a function of the template", id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.opts.HTTP)) {
		if !known[id] {
			return fmt.Errorf("a factory is registered for %s, which is not a function of the template", id)
		}
	}
	return nil
}

func (s *Stack) buildHandlers(ctx context.Context, base context.Context) error {
	var fs []*function
	var web http.Handler
	for _, f := range s.funcs {
		getenv := s.Getenv(f.id)
		if f.http {
			h, err := s.opts.HTTP[f.id](base, getenv)
			if err != nil {
				return fmt.Errorf("stack: build %s: %w", f.id, err)
			}
			web = h
			continue
		}
		h, err := s.opts.Lambdas[f.id](base, getenv)
		if err != nil {
			return fmt.Errorf("stack: build %s: %w", f.id, err)
		}
		fs = append(fs, &function{id: f.id, name: f.name, arn: FunctionARN(f.name), timeout: f.timeout, handler: h})
	}
	if s.gw != nil {
		s.gw.setFunctions(fs)
		s.gw.setListing(s.funcs)
	}
	s.mux.HandleFunc("/_local/{$}", s.serveIndex)
	s.mux.HandleFunc("GET /_local/mail", s.serveMailJSON)
	s.mux.HandleFunc("GET /_local/mail/view", s.serveMailPage)
	if s.opts.SiteBucket != "" {
		s.mux.HandleFunc("GET "+siteRoot, s.serveSite)
	}
	if web != nil {
		s.mux.Handle("/", web)
	} else {
		s.mux.HandleFunc("/{$}", s.serveIndex)
	}
	s.mux.Handle("GET /healthz", s.health(web))
	return nil
}

// health is GET /healthz in front of the web's own: 503 while the local AWS does not
// answer, the web's answer otherwise.
func (s *Stack) health(web http.Handler) http.HandlerFunc {
	client := &http.Client{Timeout: 2 * time.Second}
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.awsAnswers(r.Context(), client); err != nil {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{
				"error": "本地 AWS（" + s.awsName() + "）没有响应，系统暂时不能使用。",
				"code":  "unavailable",
			})
			s.log.Warn("stack: healthz: the local AWS does not answer", "error", err)
			return
		}
		if web == nil {
			w.Write([]byte("ok\n"))
			return
		}
		web.ServeHTTP(w, r)
	}
}

func (s *Stack) awsName() string {
	if s.moto != nil {
		return "moto"
	}
	return s.Endpoint
}

// awsAnswers asks moto (or the configured endpoint) for anything at all.
func (s *Stack) awsAnswers(ctx context.Context, client *http.Client) error {
	u := s.Endpoint + "/"
	if s.moto != nil {
		select {
		case <-s.moto.done:
			return errors.New("moto exited")
		default:
		}
		u = s.MotoURL + "/moto-api/config"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	return nil
}

// Handle mounts a handler of the local stack itself (a page for the sent
// mail, say) on the web side. Patterns live under /_local/, which no
// deployed function serves.
func (s *Stack) Handle(pattern string, h http.Handler) {
	_, path, _ := strings.Cut(pattern, " ")
	if path == "" {
		path = pattern
	}
	if !strings.HasPrefix(path, "/_local/") {
		panic("stack: local handlers live under /_local/, not " + pattern)
	}
	s.mux.Handle(pattern, h)
}

// stackEnv is the environment every function gets from the local stack, over
// the template's variables.
func (s *Stack) stackEnv(key string) string {
	switch key {
	case "AWS_ENDPOINT_URL":
		return s.Endpoint
	case "AWS_REGION", "AWS_DEFAULT_REGION":
		return Region
	case "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY":
		return "nianbao"
	case "AWS_SESSION_TOKEN":
		return ""
	case "BASE_URL":
		return strings.TrimSuffix(s.WebURL, "/")
	case "SITE_URL":
		if s.opts.SiteBucket != "" {
			return strings.TrimSuffix(s.WebURL, "/") + siteRoot
		}
	}
	return os.Getenv(key)
}

// Getenv is the environment of a function (by logical id): the stack's own
// settings (endpoint, region, dummy credentials, BASE_URL) and Options.Env
// over the template's Environment.Variables, then the process environment.
func (s *Stack) Getenv(logicalID string) func(string) string {
	var vars map[string]string
	var name string
	for _, f := range s.funcs {
		if f.id == logicalID {
			vars, name = f.env, f.name
		}
	}
	return func(key string) string {
		if v, ok := s.opts.Env[key]; ok {
			return v
		}
		switch key {
		case "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
			"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "BASE_URL":
			return s.stackEnv(key)
		case "SITE_URL":
			if s.opts.SiteBucket != "" {
				return s.stackEnv(key)
			}
		case "AWS_LAMBDA_FUNCTION_NAME":
			if name != "" {
				return name
			}
		}
		if v, ok := vars[key]; ok {
			return v
		}
		return os.Getenv(key)
	}
}

// AWSConfig is an SDK configuration for the stack's endpoint.
func (s *Stack) AWSConfig() aws.Config { return s.cfg.Copy() }

// Ref is what !Ref gives for a resource or parameter of the template: a
// table or bucket name, a state machine ARN, a function name.
func (s *Stack) Ref(logicalID string) (string, error) {
	v, err := s.model.r.refValue(logicalID, "Ref")
	if err != nil {
		return "", err
	}
	return scalarString(v), nil
}

// GetAtt is what !GetAtt gives, e.g. GetAtt("ValidateFunction", "Arn").
func (s *Stack) GetAtt(logicalID, attr string) (string, error) {
	v, err := s.model.r.call("Fn::GetAtt", []any{logicalID, attr}, "GetAtt")
	if err != nil {
		return "", err
	}
	return scalarString(v), nil
}

// Resolve evaluates the intrinsic functions in a template value against the local
// resources, Fn::If by the local conditions, as CloudFormation would against the
// stack's (an IAM policy document from the template, say).
func (s *Stack) Resolve(v any) (any, error) { return s.model.r.resolve(v, "Resolve") }

// Template is the template the stack was made from.
func (s *Stack) Template() *Template { return s.tmpl }

// Bootstrap creates the template's resources again where they are missing
// (after a reset of moto).
func (s *Stack) Bootstrap(ctx context.Context) error {
	return s.model.bootstrap(ctx, s.clients)
}

// Done is closed when moto has exited (nil on LocalStack: never).
func (s *Stack) Done() <-chan struct{} {
	if s.moto == nil {
		return nil
	}
	return s.moto.done
}

// Stop shuts the web side and the gateway down and ends moto. It is safe to
// call more than once.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		var errs []error
		if s.webSrv != nil {
			errs = append(errs, s.webSrv.Shutdown(ctx))
		}
		if s.moto != nil {
			// moto first: running executions stop calling the gateway.
			errs = append(errs, s.moto.stop())
		}
		if s.gwSrv != nil {
			errs = append(errs, s.gwSrv.Shutdown(ctx))
		}
		for _, ln := range s.listeners {
			ln.Close() // already closed by Shutdown when served
		}
		if s.webPort != nil {
			s.webPort.close()
		}
		if s.cancel != nil {
			s.cancel()
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="zh-CN"><meta charset="utf-8"><title>nianbao 本地系统</title>
<h1>nianbao 本地系统</h1>
<p>AWS 端点（网关）：<code>{{.Endpoint}}</code>{{if .MotoURL}}；moto：<a href="{{.MotoURL}}/moto-api/">{{.MotoURL}}/moto-api/</a>{{end}}</p>
<table border="1" cellpadding="4"><tr><th>资源</th><th>类型</th><th>本地</th></tr>
{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.Type}}</td><td>{{.Local}}</td></tr>{{end}}
</table>`))

func (s *Stack) serveIndex(w http.ResponseWriter, r *http.Request) {
	type row struct{ ID, Type, Local string }
	var rows []row
	for _, id := range s.tmpl.SortedIDs() {
		res := s.tmpl.Resources[id]
		local := resourceTypes[res.Type].why
		if s.model.skipped[id] {
			local = "Condition 为假，未创建"
		} else if local == "" {
			local, _ = s.Ref(id)
		}
		rows = append(rows, row{id, res.Type, local})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	indexPage.Execute(w, map[string]any{"Endpoint": s.Endpoint, "MotoURL": s.MotoURL, "Rows": rows})
}

// NotImplementedError is what a stand-in function returns.
type NotImplementedError struct{ Function string }

func (e *NotImplementedError) Error() string {
	return "function " + e.Function + " has no handler in the local stack yet"
}

func standInLambda(id string) LambdaFactory {
	return func(context.Context, func(string) string) (lambda.Handler, error) {
		return lambda.NewHandler(func(context.Context, json.RawMessage) (any, error) {
			return nil, &NotImplementedError{Function: id}
		}), nil
	}
}

func standInHTTP(id string) HTTPFactory {
	return func(context.Context, func(string) string) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, (&NotImplementedError{Function: id}).Error(), http.StatusNotImplemented)
		}), nil
	}
}
