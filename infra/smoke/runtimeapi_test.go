package smoke_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runtimeAPI is the part of the Lambda Runtime API a provided.al2023 function's
// bootstrap uses (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html),
// serving the invocations queued with invoke to one function process.
type runtimeAPI struct {
	srv       *httptest.Server
	arn       string
	events    chan event
	results   chan result
	requestID atomic.Int64

	asked   chan struct{} // closed at the function's first GET invocation/next
	askOnce sync.Once
	askedAt time.Time // when, valid once asked is closed
}

type event struct {
	id      string
	payload []byte
}

// result is what the function posted: kind is "response", "error" or "init/error".
type result struct {
	id   string
	kind string
	body []byte
}

func newRuntimeAPI(functionARN string) *runtimeAPI {
	r := &runtimeAPI{arn: functionARN, events: make(chan event, 8), results: make(chan result, 8), asked: make(chan struct{})}
	mux := http.NewServeMux()
	const base = "/2018-06-01/runtime/"
	mux.HandleFunc("GET "+base+"invocation/next", r.next)
	mux.HandleFunc("POST "+base+"invocation/{id}/response", r.post("response"))
	mux.HandleFunc("POST "+base+"invocation/{id}/error", r.post("error"))
	mux.HandleFunc("POST "+base+"init/error", r.post("init/error"))
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		// The function asked for something this Runtime API does not serve (the
		// extensions API, say): say so in its result rather than hang.
		r.results <- result{kind: "unexpected", body: []byte(req.Method + " " + req.URL.Path)}
		http.NotFound(w, req)
	})
	r.srv = httptest.NewServer(mux)
	return r
}

// addr is AWS_LAMBDA_RUNTIME_API: host:port, no scheme.
func (r *runtimeAPI) addr() string { return strings.TrimPrefix(r.srv.URL, "http://") }

func (r *runtimeAPI) close() { r.srv.Close() }

// invoke queues one invocation and returns its request id.
func (r *runtimeAPI) invoke(payload []byte) string {
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", r.requestID.Add(1))
	r.events <- event{id: id, payload: payload}
	return id
}

// next hands out the next invocation; with none queued it waits, as Lambda does
// between invocations, until the function process goes away.
func (r *runtimeAPI) next(w http.ResponseWriter, req *http.Request) {
	r.askOnce.Do(func() {
		r.askedAt = time.Now()
		close(r.asked)
	})
	select {
	case ev := <-r.events:
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", ev.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", r.arn)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		w.Write(ev.payload)
	case <-req.Context().Done():
	}
}

func (r *runtimeAPI) post(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.results <- result{id: req.PathValue("id"), kind: kind, body: body}
		w.WriteHeader(http.StatusAccepted)
	}
}

var errExited = errors.New("the function exited before answering")

// wait returns the next result, or an error when the process ends first (exited is
// closed) or ctx does.
func (r *runtimeAPI) wait(ctx context.Context, exited <-chan struct{}) (result, error) {
	select {
	case res := <-r.results:
		return res, nil
	case <-exited:
		return result{}, errExited
	case <-ctx.Done():
		return result{}, fmt.Errorf("no answer: %w", ctx.Err())
	}
}
