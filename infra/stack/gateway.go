package stack

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// gateway is the endpoint every AWS client of the local stack talks to
// (AWS_ENDPOINT_URL), moto's Step Functions interpreter included. It serves
// the Lambda Invoke API by running the project's handlers in-process and
// forwards everything else to moto unchanged.
type gateway struct {
	log   *slog.Logger
	proxy http.Handler
	base  context.Context // for asynchronous (Event) invocations

	mu        sync.RWMutex
	functions map[string]*function // by function name
	async     sync.WaitGroup

	listing []lambdaConfiguration // every function of the template, for ListFunctions (under mu)

	mail mailbox // SES v2 messages sent through the gateway
}

// function is one Lambda function of the template, running in-process.
type function struct {
	id      string // logical id
	name    string
	arn     string
	timeout time.Duration
	handler lambda.Handler
}

func newGateway(base context.Context, motoURL *url.URL, log *slog.Logger) *gateway {
	return &gateway{
		log:  log,
		base: base,
		proxy: &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(motoURL)
				// moto works out the service from the Host and the signature,
				// as AWS would see them: keep what the client sent.
				pr.Out.Host = pr.In.Host
			},
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		functions: map[string]*function{},
	}
}

func (g *gateway) setFunctions(fs []*function) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.functions = map[string]*function{}
	for _, f := range fs {
		g.functions[f.name] = f
	}
}

const invokePrefix = "/2015-03-31/functions/"

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.EscapedPath(), invokePrefix); ok && r.Method == http.MethodPost {
		if enc, ok := strings.CutSuffix(rest, "/invocations"); ok && !strings.Contains(enc, "/") {
			name, err := url.PathUnescape(enc)
			if err == nil {
				g.invoke(w, r, name)
				return
			}
		}
	}
	if r.Method == http.MethodGet && g.serveLambdaRead(w, r) {
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == sesSendPath {
		g.captureMail(w, r)
		return
	}
	g.proxy.ServeHTTP(w, r)
}

// functionName takes what Lambda accepts as FunctionName (name, ARN, partial
// ARN, each with an optional qualifier) down to the name.
func functionName(s string) string {
	if i := strings.Index(s, "function:"); i >= 0 {
		s = s[i+len("function:"):]
	}
	name, _, _ := strings.Cut(s, ":") // drop a qualifier ($LATEST, alias, version)
	return name
}

func (g *gateway) invoke(w http.ResponseWriter, r *http.Request, requested string) {
	g.mu.RLock()
	f := g.functions[functionName(requested)]
	g.mu.RUnlock()
	if f == nil {
		lambdaAPIError(w, http.StatusNotFound, "ResourceNotFoundException",
			fmt.Sprintf("Function not found: arn:aws:lambda:%s:%s:function:%s", Region, AccountID, functionName(requested)))
		return
	}
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		lambdaAPIError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "", "RequestResponse":
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		g.async.Add(1)
		go func() {
			defer g.async.Done()
			g.run(g.base, f, payload)
		}()
		w.WriteHeader(http.StatusAccepted)
		return
	default:
		lambdaAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "unknown invocation type "+typ)
		return
	}
	out, ferr := g.run(r.Context(), f, payload)
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	if ferr != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		out, _ = json.Marshal(ferr)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// run invokes f as the Lambda runtime would: a deadline from the function's
// Timeout, the invocation's metadata in the context, and a returned error or
// a panic turned into Lambda's error document.
func (g *gateway) run(ctx context.Context, f *function, payload []byte) ([]byte, *messages.InvokeResponse_Error) {
	requestID := newRequestID()
	start := time.Now()
	// A Lambda invocation is not cancelled when its caller goes away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: f.arn,
	})

	type result struct {
		out []byte
		err *messages.InvokeResponse_Error
	}
	done := make(chan result, 1)
	go func() {
		out, err := callHandler(ctx, f.handler, payload)
		done <- result{out, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		// Lambda stops the sandbox; in-process the goroutine runs on, but
		// its answer is no longer awaited.
		res.err = &messages.InvokeResponse_Error{
			Type:    "Sandbox.Timedout",
			Message: fmt.Sprintf("Task timed out after %.2f seconds", f.timeout.Seconds()),
		}
	}
	attrs := []any{"function", f.id, "request_id", requestID, "duration", time.Since(start).Round(time.Millisecond)}
	if res.err != nil {
		g.log.Info("lambda invoke failed", append(attrs, "error_type", res.err.Type, "error", res.err.Message)...)
	} else {
		g.log.Debug("lambda invoke", attrs...)
	}
	return res.out, res.err
}

// callHandler mirrors aws-lambda-go's callBytesHandlerFunc and
// lambdaErrorResponse (lambda/invoke_loop.go, lambda/errors.go): the error's
// Go type name, pointer stripped, becomes errorType, which is what an ASL
// Retry or Catch matches.
func callHandler(ctx context.Context, h lambda.Handler, payload []byte) (out []byte, ferr *messages.InvokeResponse_Error) {
	defer func() {
		if v := recover(); v != nil {
			ferr = &messages.InvokeResponse_Error{Type: errorTypeName(v), Message: fmt.Sprintf("%v", v)}
		}
	}()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		if ive, ok := err.(messages.InvokeResponse_Error); ok {
			return nil, &ive
		}
		return nil, &messages.InvokeResponse_Error{Type: errorTypeName(err), Message: err.Error()}
	}
	return out, nil
}

func errorTypeName(v any) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

func lambdaAPIError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
