package local_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/infra/local"
	"nianbao/infra/stack"
)

// publishTimeouts are the agencies whose next Publish does its work and then runs past
// its Timeout: Lambda then answers the state machine Sandbox.Timedout, although the
// version's pages are written. (Waiting out the real 30 s Timeout would only make the
// test slow; what the state machine sees is the same error.)
var publishTimeouts sync.Map // agency id → true

// withPublishTimeouts wraps PublishFunction for publishTimeouts.
func withPublishTimeouts(o stack.Options) stack.Options {
	real := o.Lambdas["PublishFunction"]
	o.Lambdas["PublishFunction"] = func(ctx context.Context, getenv func(string) string) (lambda.Handler, error) {
		h, err := real(ctx, getenv)
		if err != nil {
			return nil, err
		}
		return timingOut{h}, nil
	}
	return o
}

type timingOut struct{ lambda.Handler }

func (t timingOut) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := t.Handler.Invoke(ctx, payload)
	for _, k := range keysOf(&publishTimeouts) {
		if strings.Contains(string(payload), fmt.Sprintf("%q", k)) {
			if _, first := publishTimeouts.LoadAndDelete(k); first {
				return nil, messages.InvokeResponse_Error{Type: "Sandbox.Timedout", Message: "Task timed out after 30.00 seconds"}
			}
		}
	}
	return out, err
}

func keysOf(m *sync.Map) []string {
	var out []string
	m.Range(func(k, _ any) bool { out = append(out, k.(string)); return true })
	return out
}

// TestPublishSurvivesItsTimeout: a Publish that wrote the pages and then ran past its
// Timeout is retried, not caught as a failure: the step is idempotent, the report ends
// published (not 发布失败), the pages and the record as after one publication.
func TestPublishSurvivesItsTimeout(t *testing.T) {
	fresh(t, agencyYAML("ag20", "午区应急管理局", 60, 3))
	publishTimeouts.Store("ag20", true)
	t.Cleanup(func() { publishTimeouts.Delete("ag20") })
	drafter, _ := submitSample(t, "ag20")
	approveAll(t, "ag20", 1)
	v := drafter.waitStatus("ag20", 2025, "published", "")
	if _, pending := publishTimeouts.Load("ag20"); pending {
		t.Fatal("the Publish step never timed out: the test proves nothing")
	}
	publishes := 0
	for _, e := range v.Timeline {
		switch e.Action {
		case "publish":
			publishes++
		case "fail":
			t.Errorf("a failure was recorded: %+v", e)
		}
	}
	if publishes != 1 || v.StatusLabel != "已发布" {
		t.Errorf("%d publish lines, label %q", publishes, v.StatusLabel)
	}
	s, _ := local.Store(context.Background(), st.Stack)
	rep, err := s.GetReport(context.Background(), "ag20", 2025)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := st.WaitExecution(context.Background(), rep.ExecutionARN)
	if err != nil || exec.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution: %v %v", exec.Status, err)
	}
	history, err := st.History(context.Background(), rep.ExecutionARN)
	if err != nil {
		t.Fatal(err)
	}
	timedOut := false
	for _, e := range history {
		if e.LambdaFunctionFailedEventDetails != nil && e.LambdaFunctionFailedEventDetails.Error != nil &&
			*e.LambdaFunctionFailedEventDetails.Error == "Sandbox.Timedout" {
			timedOut = true
		}
		if e.TaskFailedEventDetails != nil && e.TaskFailedEventDetails.Error != nil && *e.TaskFailedEventDetails.Error == "Sandbox.Timedout" {
			timedOut = true
		}
	}
	if !timedOut {
		t.Error("the execution's history shows no Sandbox.Timedout: the retry was not exercised")
	}
	if body, _, _ := siteObject(t, "reports/ag20/2025/index.html"); !strings.Contains(string(body), "午区应急管理局") {
		t.Error("the published page is missing")
	}
	if r := drafter.do("GET", v.URL, nil, nil); r.status != http.StatusOK {
		t.Errorf("the public URL answers %d", r.status)
	}
}
