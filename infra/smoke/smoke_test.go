// Package smoke_test runs each function's real binary — its main, as Lambda starts
// it — for one invocation through the Lambda Runtime API, against the local stack:
// the wiring of every main (configuration from the template's environment, clients,
// the secret read, the handler lambda.Start is given) is exercised, not only the
// handlers the other tests call in-process.
package smoke_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"nianbao/infra/local"
	"nianbao/infra/stack"
	"nianbao/infra/stack/stacktest"
	"nianbao/shared/admin"
	"nianbao/shared/approval"
	"nianbao/shared/signin"
	"nianbao/shared/store"
)

var st *stacktest.Stack

func TestMain(m *testing.M) {
	code := stacktest.Main(m, local.Options(), &st)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the binaries, built once for all tests.
var built struct {
	once      sync.Once
	dir       string
	functions map[string]string
	err       error
}

// buildAll builds every function for this machine, with the Lambda build's tags
// (lambda.norpc: the Runtime API only), in one go build.
func buildAll(t testing.TB) (dir string, functions map[string]string) {
	t.Helper()
	built.once.Do(func() {
		start := time.Now()
		built.dir, built.functions, built.err = build()
		t.Logf("built %d functions in %s", len(built.functions), time.Since(start).Round(time.Millisecond))
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir, built.functions
}

func build() (dir string, functions map[string]string, err error) {
	root, err := stack.ModuleRoot()
	if err != nil {
		return "", nil, err
	}
	mk, err := os.ReadFile(filepath.Join(root, "infra", "deploy.mk"))
	if err != nil {
		return "", nil, err
	}
	// The build list of infra/deploy.mk, which infra/deploy checks against the template.
	functions = map[string]string{}
	in := false
	for _, line := range strings.Split(string(mk), "\n") {
		if strings.HasPrefix(line, "FUNCTIONS :=") {
			in = true
			continue
		}
		if !in {
			continue
		}
		f := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), `\`))
		if id, d, ok := strings.Cut(f, ":"); ok {
			functions[id] = d
		}
		if !strings.HasSuffix(strings.TrimSpace(line), `\`) {
			break
		}
	}
	if dir, err = os.MkdirTemp("", "nianbao-functions-"); err != nil {
		return "", nil, err
	}
	// -s -w as for Lambda: half the link time, and this runs beside other packages' tests.
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", dir+string(filepath.Separator), "./functions/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return dir, nil, fmt.Errorf("go build ./functions/...: %w\n%s", err, out)
	}
	return dir, functions, nil
}

// process is one function binary running against a Runtime API.
type process struct {
	cmd    *exec.Cmd
	api    *runtimeAPI
	stdout bytes.Buffer
	stderr bytes.Buffer
	exited chan struct{} // closed when the process has ended
	err    error         // how it ended, once exited is closed
}

// environment is a function's environment on Lambda, as far as the code reads it: the
// template's Environment.Variables resolved against the local stack, the endpoint and
// credentials, and what the Lambda service sets.
func environment(t testing.TB, id string, drop ...string) []string {
	t.Helper()
	r := st.Template().Resources[id]
	env, _ := r.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	keys := slices.Sorted(maps.Keys(vars))
	keys = append(keys, "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
	getenv := st.Getenv(id)
	out := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_FUNCTION_NAME=" + id,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "TZ=UTC"}
	for _, k := range keys {
		if slices.Contains(drop, k) {
			continue
		}
		if v := getenv(k); v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

func start(t testing.TB, bin, id string, env []string) *process {
	t.Helper()
	p := &process{api: newRuntimeAPI(stack.FunctionARN(id)), exited: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+p.api.addr())
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
		}
		p.api.close()
	})
	return p
}

// invoke sends one invocation and returns the function's response; an error answer,
// an init error or an exit fails the test with the function's output.
func (p *process) invoke(t *testing.T, payload any) []byte {
	t.Helper()
	body, err := p.tryInvoke(payload)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, &p.stdout, &p.stderr)
	}
	return body
}

func (p *process) tryInvoke(payload any) ([]byte, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	id := p.api.invoke(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := p.api.wait(ctx, p.exited)
	if err != nil {
		if errors.Is(err, errExited) {
			return nil, fmt.Errorf("%w (%v)", err, p.err)
		}
		return nil, err
	}
	if res.kind != "response" || res.id != id {
		return nil, fmt.Errorf("the function answered %s for %q (invoked %q): %s", res.kind, res.id, id, res.body)
	}
	return res.body, nil
}

// jsonLogs checks that what the function logged is JSON lines (LogFormat: JSON).
func (p *process) jsonLogs(t *testing.T) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(p.stdout.String()), "\n") {
		if line == "" {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
		}
	}
}

const smokeAgency = `
agencies:
  - id: smoke
    name: 冒烟测试局
    office_email: office@smoke.local
    reminder_seconds: 60
    max_reminders: 2
    chain:
      - { name: 局长, approvers: [director@smoke.local] }
users:
  - { email: drafter@smoke.local, agency: smoke, roles: [drafter] }
`

// seed imports the agency and submits version 1 of a report for each year.
func seed(t *testing.T, years ...int) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := local.Store(ctx, st.Stack)
	if err != nil {
		t.Fatal(err)
	}
	f, err := admin.Parse([]byte(smokeAgency))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Import(ctx, s, f); err != nil {
		t.Fatal(err)
	}
	ag, err := s.GetAgency(ctx, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := stack.ModuleRoot()
	raw, err := os.ReadFile(filepath.Join(root, "shared", "report", "testdata", "sample-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, year := range years {
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		doc["agency"], doc["year"] = ag.Name, year
		b, _ := json.Marshal(doc)
		rev, err := s.SaveDraft(ctx, "smoke", year, b, 0, "drafter@smoke.local", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Submit(ctx, store.Submission{Rev: rev, Version: store.Version{
			Agency: "smoke", Year: year, Number: 1, Document: b, SubmittedBy: "drafter@smoke.local",
			Chain: ag.Chain, Settings: ag.Settings,
		}}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func input(year int) approval.Input {
	return approval.Input{Agency: "smoke", Year: year, Version: 1, Level: 0, LevelCount: 1, ReminderSeconds: 60, MaxReminders: 2}
}

// mailedBefore is how many mails had been sent when the current case began.
var mailedBefore int

// newMailTo is the mail to an address since the current case began.
func newMailTo(to string) []stack.Mail {
	var out []stack.Mail
	for _, m := range st.Mailbox()[mailedBefore:] {
		if slices.Contains(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// smokeCase is one function's invocation against the data seed(t, 2025, 2026, 2027,
// 2028) leaves, in the order the cases run.
type smokeCase struct {
	id      string
	payload any
	drop    []string // environment the template does not give this function on AWS
	check   func(t *testing.T, response []byte)
}

func smokeCases() []smokeCase {
	return []smokeCase{
		{
			// No BaseUrl (the default): the API's address comes from the request.
			id: "ApiFunction", drop: []string{"BASE_URL"},
			payload: events.APIGatewayV2HTTPRequest{
				Version: "2.0", RouteKey: "ANY /{proxy+}", RawPath: "/api/auth/link",
				Headers: map[string]string{"content-type": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com"},
				Body:    `{"email":"drafter@smoke.local"}`,
				RequestContext: events.APIGatewayV2HTTPRequestContext{
					DomainName: "abc123.execute-api.us-east-1.amazonaws.com", Stage: "$default", RequestID: "smoke",
					HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/api/auth/link", SourceIP: "192.0.2.1"},
				},
			},
			// The api hands the address to SignInFunction (an asynchronous Lambda
			// invocation, which the local stack runs in-process) and answers.
			check: func(t *testing.T, b []byte) {
				var res events.APIGatewayV2HTTPResponse
				if err := json.Unmarshal(b, &res); err != nil || res.StatusCode != 202 {
					t.Fatalf("response %s (%v), want status 202", b, err)
				}
				st.WaitAsync()
				if !slices.ContainsFunc(newMailTo("drafter@smoke.local"), func(m stack.Mail) bool {
					return slices.ContainsFunc(m.Links, func(l string) bool { return strings.Contains(l, "/login/") })
				}) {
					t.Fatalf("no sign-in link mailed after the api's answer: %+v", st.Mailbox())
				}
			},
		},
		{
			id: "SignInFunction", payload: signin.Request{Email: "drafter@smoke.local", IP: "192.0.2.1"},
			check: func(t *testing.T, b []byte) {
				base := st.Getenv("SignInFunction")("BASE_URL")
				if !slices.ContainsFunc(newMailTo("drafter@smoke.local"), func(m stack.Mail) bool {
					return slices.ContainsFunc(m.Links, func(l string) bool { return strings.HasPrefix(l, base+"/login/") })
				}) {
					t.Fatalf("no sign-in link on %s mailed: %+v", base, st.Mailbox())
				}
			},
		},
		{
			id: "ValidateFunction", payload: input(2025),
			check: func(t *testing.T, b []byte) {
				var v approval.ValidateResult
				if err := json.Unmarshal(b, &v); err != nil || !v.Valid {
					t.Fatalf("response %s (%v), want a valid report", b, err)
				}
			},
		},
		{
			id: "RequestApprovalFunction", payload: approval.AwaitInput{State: input(2026), Token: "smoke-task-token"},
			check: func(t *testing.T, b []byte) {
				if len(newMailTo("director@smoke.local")) == 0 {
					t.Fatal("the approver got no mail")
				}
			},
		},
		{
			id: "RemindFunction", payload: input(2026),
			check: func(t *testing.T, b []byte) {
				var r map[string]any
				if err := json.Unmarshal(b, &r); err != nil || r["overdue"] != false {
					t.Fatalf("response %s (%v), want a reminder, not overdue", b, err)
				}
			},
		},
		{
			id: "ReturnFunction", payload: approval.ReturnInput{State: input(2027), Kind: "invalid"},
			check: func(t *testing.T, b []byte) {
				if len(newMailTo("drafter@smoke.local")) == 0 {
					t.Fatal("the drafter got no mail about the return")
				}
			},
		},
		{
			id: "PublishFunction", payload: input(2025),
			check: func(t *testing.T, b []byte) {
				var r approval.PublishResult
				if err := json.Unmarshal(b, &r); err != nil || !strings.HasSuffix(r.URL, "/reports/smoke/2025/") {
					t.Fatalf("response %s (%v), want the report's address", b, err)
				}
			},
		},
		{
			id:      "NotifyFunction",
			payload: approval.NotifyInput{State: input(2025), Publish: approval.PublishResult{URL: "https://d111111abcdef8.cloudfront.net/reports/smoke/2025/"}},
		},
		{
			id: "RecordFailureFunction",
			payload: map[string]any{"state": input(2028), "step": "Publish",
				"error": map[string]string{"Error": "TransientError", "Cause": "smoke test"}},
		},
	}
}

func TestEveryMainAnswersOneInvocation(t *testing.T) {
	st.ResetT(t)
	bins, functions := buildAll(t)
	seed(t, 2025, 2026, 2027, 2028)
	cases := smokeCases()
	ids := slices.Sorted(maps.Keys(functions))
	for _, c := range cases {
		if !slices.Contains(ids, c.id) {
			t.Fatalf("no function %s in infra/deploy.mk: update this test", c.id)
		}
	}
	if len(cases) != len(ids) {
		t.Fatalf("%d cases for %d functions (%v): every function needs one", len(cases), len(ids), ids)
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			begin := time.Now()
			mailedBefore = len(st.Mailbox())
			p := start(t, filepath.Join(bins, functions[c.id]), c.id, environment(t, c.id, c.drop...))
			resp := p.invoke(t, c.payload)
			if c.check != nil {
				c.check(t, resp)
			}
			p.jsonLogs(t)
			t.Logf("%s: start and one invocation in %s; response %s", c.id, time.Since(begin).Round(time.Millisecond), abbreviate(resp))
		})
	}
}

func abbreviate(b []byte) string {
	s := string(b)
	if len(s) > 120 {
		return fmt.Sprintf("%s… (%d bytes)", s[:120], len(s))
	}
	return s
}

// The harness itself: a main that cannot start (no TABLE_NAME) is reported with its
// reason, not taken for a slow answer.
func TestAMainThatCannotStartIsReported(t *testing.T) {
	bins, functions := buildAll(t)
	p := start(t, filepath.Join(bins, functions["ValidateFunction"]), "ValidateFunction", environment(t, "ValidateFunction", "TABLE_NAME"))
	_, err := p.tryInvoke(input(2025))
	if err == nil || !strings.Contains(err.Error(), "exited before answering") {
		t.Fatalf("err = %v, want the exit reported", err)
	}
	if !strings.Contains(p.stdout.String(), "TABLE_NAME") {
		t.Errorf("the function's log does not name what is missing:\n%s", &p.stdout)
	}
}
