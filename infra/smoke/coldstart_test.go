package smoke_test

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"nianbao/infra/stack"
)

// awsRecorder is an AWS endpoint that keeps every call it is sent, noting whether the
// function had asked for its first invocation yet, and refuses each one
// (AccessDenied: no retry).
type awsRecorder struct {
	srv   *httptest.Server
	asked <-chan struct{}

	mu    sync.Mutex
	calls []awsCall
}

type awsCall struct {
	what        string // service and operation, as far as the request says
	beforeAsked bool
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/`)

func newAWSRecorder(asked <-chan struct{}) *awsRecorder {
	a := &awsRecorder{asked: asked}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		before := true
		select {
		case <-a.asked:
			before = false
		default:
		}
		service := "?"
		if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			service = m[1]
		}
		a.mu.Lock()
		a.calls = append(a.calls, awsCall{what: strings.TrimSpace(service + " " + r.Header.Get("X-Amz-Target") + " " + r.Method + " " + r.URL.Path), beforeAsked: before})
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"__type":"AccessDeniedException","message":"the smoke test's recorder answers no call"}`)
	}))
	return a
}

func (a *awsRecorder) recorded() []awsCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.calls)
}

// withEndpoint is env with AWS_ENDPOINT_URL replaced.
func withEndpoint(env []string, endpoint string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") })
	return append(out, "AWS_ENDPOINT_URL="+endpoint)
}

// launch starts bin against a fresh Runtime API and an AWS endpoint that records, and
// returns once the process has asked for its first invocation, with how long that took
// from the exec.
func launch(tb testing.TB, bin, id string, env []string) (p *process, rec *awsRecorder, init time.Duration) {
	tb.Helper()
	api := newRuntimeAPI(stack.FunctionARN(id))
	rec = newAWSRecorder(api.asked)
	p = &process{api: api, exited: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append(withEndpoint(env, rec.srv.URL), "AWS_LAMBDA_RUNTIME_API="+api.addr())
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	begin := time.Now()
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			p.cmd.Process.Kill()
			<-p.exited
			api.close()
			rec.srv.Close()
		})
	}
	select {
	case <-api.asked:
	case <-p.exited:
		stop()
		tb.Fatalf("%s exited (%v) before asking for an invocation\nstdout:\n%s\nstderr:\n%s", id, p.err, &p.stdout, &p.stderr)
	case <-time.After(20 * time.Second):
		stop()
		tb.Fatalf("%s asked for no invocation within 20 s", id)
	}
	tb.Cleanup(stop)
	return p, rec, api.askedAt.Sub(begin)
}

// Every function asks the Runtime API for its first invocation before it makes any AWS
// call: the link key is read where a link is first made or checked, not at start.
func TestStepsCallNoAWSBeforeTheirFirstInvocation(t *testing.T) {
	bins, functions := buildAll(t)
	for _, id := range slices.Sorted(maps.Keys(functions)) {
		t.Run(id, func(t *testing.T) {
			_, rec, init := launch(t, filepath.Join(bins, functions[id]), id, environment(t, id))
			for _, c := range rec.recorded() {
				if c.beforeAsked {
					t.Errorf("AWS call before the first invocation: %s", c.what)
				}
			}
			t.Logf("%s asked for its first invocation %s after the exec", id, init.Round(100*time.Microsecond))
		})
	}
	// The recorder sees what a function does call: once invoked, Validate reads the table
	// and RequestApproval the link key.
	for id, want := range map[string]string{"ValidateFunction": "dynamodb", "RequestApprovalFunction": "secretsmanager"} {
		p, rec, _ := launch(t, filepath.Join(bins, functions[id]), id, environment(t, id))
		var payload any = input(2025)
		if id == "RequestApprovalFunction" {
			payload = map[string]any{"state": input(2025), "token": "t"}
		}
		p.tryInvoke(payload) // refused by the recorder: an error answer
		calls := rec.recorded()
		if !slices.ContainsFunc(calls, func(c awsCall) bool { return strings.HasPrefix(c.what, want) && !c.beforeAsked }) {
			t.Errorf("%s invoked: the recorder saw %v, want a %s call", id, calls, want)
		}
	}
}

// bareBinary builds infra/smoke/testdata/bare: aws-lambda-go, the SDK and a DynamoDB
// client, nothing else.
func bareBinary(tb testing.TB) string {
	tb.Helper()
	root, err := stack.ModuleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(tb.TempDir(), "bare")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", bin, "./infra/smoke/testdata/bare")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build the bare binary: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkColdStart is each function's init, from outside the process: the exec to
// its first GET /2018-06-01/runtime/invocation/next, beside the bare binary's
// (README, measurements). Each round starts every binary once, in turn, so that load
// from other work on the machine falls on all alike; the figures are the median
// (ms/init:<function>) and the fastest (ms/init-min:<function>) over the rounds.
//
//	go test -run '^$' -bench ColdStart -benchtime 40x ./infra/smoke/
func BenchmarkColdStart(b *testing.B) {
	bins, functions := buildAll(b)
	targets := map[string]string{"bare": bareBinary(b)}
	for id, f := range functions {
		targets[id] = filepath.Join(bins, f)
	}
	ids := slices.Sorted(maps.Keys(targets))
	envs := map[string][]string{}
	for _, id := range ids {
		if id == "bare" {
			envs[id] = environment(b, "ValidateFunction")
		} else {
			envs[id] = environment(b, id)
		}
	}
	inits := map[string][]time.Duration{}
	for b.Loop() {
		for _, id := range ids {
			_, _, init := launch(b, targets[id], id, envs[id])
			inits[id] = append(inits[id], init)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, id := range ids {
		d := inits[id]
		slices.Sort(d)
		b.ReportMetric(ms(d[len(d)/2]), "ms/init:"+id)
		b.ReportMetric(ms(d[0]), "ms/init-min:"+id)
	}
}
