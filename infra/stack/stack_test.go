package stack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/infra/stack"
	"nianbao/infra/stack/stacktest"
	"nianbao/shared/awsconf"
)

var st *stacktest.Stack

// The test functions' behaviour is switched per test through these.
var (
	tokens    = make(chan callbackEvent, 16) // what CallbackFunction received
	flakyMode atomic.Value                   // string: "typed", "wrapped", "ok"
	flakyHits atomic.Int64
)

type callbackEvent struct {
	Token string         `json:"token"`
	Input map[string]any `json:"input"`
}

// NotReadyError is a typed error a step handler returns for the ASL to
// retry: at the Lambda boundary its Go type name becomes errorType.
type NotReadyError struct{ What string }

func (e *NotReadyError) Error() string { return e.What + " is not ready" }

func TestMain(m *testing.M) {
	flakyMode.Store("ok")
	os.Exit(stacktest.Main(m, stack.Options{
		TemplatePath: "testdata/template.yaml",
		Lambdas: map[string]stack.LambdaFactory{
			"EchoFunction":     echoFactory,
			"CallbackFunction": callbackFactory,
			"FlakyFunction":    flakyFactory,
		},
		HTTP: map[string]stack.HTTPFactory{"WebFunction": webFactory},
	}, &st))
}

// echoFactory builds a handler that reports its environment and input, and
// writes to the table through its own SDK client (the code path of a real
// step handler).
func echoFactory(ctx context.Context, getenv func(string) string) (lambda.Handler, error) {
	cfg, err := awsconf.Load(ctx, getenv)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg)
	table := getenv("TABLE_NAME")
	return lambda.NewHandler(func(ctx context.Context, in map[string]any) (map[string]any, error) {
		lc, _ := lambdacontext.FromContext(ctx)
		id := fmt.Sprint(in["id"])
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(table),
			Item: map[string]ddbtypes.AttributeValue{
				"PK": &ddbtypes.AttributeValueMemberS{Value: "ECHO#" + id},
				"SK": &ddbtypes.AttributeValueMemberS{Value: "ECHO"},
			},
		})
		if err != nil {
			return nil, err
		}
		return map[string]any{
			"input":    in,
			"table":    table,
			"bucket":   getenv("BUCKET_NAME"),
			"greeting": getenv("GREETING"),
			"selfArn":  getenv("SELF_ARN"),
			"invoked":  lc.InvokedFunctionArn,
			"baseUrl":  getenv("BASE_URL"),
		}, nil
	}), nil
}

func callbackFactory(ctx context.Context, getenv func(string) string) (lambda.Handler, error) {
	return lambda.NewHandler(func(ctx context.Context, ev callbackEvent) error {
		tokens <- ev
		return nil
	}), nil
}

func flakyFactory(ctx context.Context, getenv func(string) string) (lambda.Handler, error) {
	return lambda.NewHandler(func(ctx context.Context, in map[string]any) (map[string]any, error) {
		flakyHits.Add(1)
		switch flakyMode.Load() {
		case "typed":
			return nil, &NotReadyError{What: "report"}
		case "wrapped":
			return nil, fmt.Errorf("validate: %w", &NotReadyError{What: "report"})
		case "panic":
			panic("boom")
		case "slow":
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return map[string]any{"ok": true}, nil
	}), nil
}

func webFactory(ctx context.Context, getenv func(string) string) (http.Handler, error) {
	base := getenv("BASE_URL")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "web %s %s", r.URL.Path, base)
	}), nil
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// succeeded waits for an execution and fails the test unless it succeeded; it returns
// the execution's output.
func succeeded(t *testing.T, ctx context.Context, arn string) map[string]any {
	t.Helper()
	out, err := st.WaitExecution(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s: %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil {
		t.Fatalf("output %s: %v", aws.ToString(out.Output), err)
	}
	return got
}

// nextCallback waits for CallbackFunction's next invocation.
func nextCallback(t *testing.T, ctx context.Context) callbackEvent {
	t.Helper()
	select {
	case ev := <-tokens:
		return ev
	case <-ctx.Done():
		t.Fatal("CallbackFunction was not invoked")
	}
	return callbackEvent{}
}

func TestLambdaTaskRunsHandlerThroughGateway(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 20*time.Second)
	arn, err := st.StartExecution(ctx, "EchoMachine", map[string]any{"id": "1"})
	if err != nil {
		t.Fatal(err)
	}
	got := succeeded(t, ctx, arn)
	table, _ := st.Ref("Table")
	bucket, _ := st.Ref("Bucket")
	fnARN, _ := st.GetAtt("EchoFunction", "Arn")
	want := map[string]string{
		"table":    table,
		"bucket":   bucket,
		"greeting": "你好, nianbao.test",
		"selfArn":  fnARN,
		"invoked":  fnARN,
		"baseUrl":  strings.TrimSuffix(st.WebURL, "/"),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %q", k, got[k], v)
		}
	}
	// The handler's own SDK client reached moto through the gateway.
	item, err := st.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "ECHO#1"},
			"SK": &ddbtypes.AttributeValueMemberS{Value: "ECHO"},
		},
	})
	if err != nil || item.Item == nil {
		t.Errorf("the handler's item is missing: %v", err)
	}
	events, err := st.History(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if !hasEvent(events, sfntypes.HistoryEventTypeLambdaFunctionSucceeded) {
		t.Errorf("no LambdaFunctionSucceeded in the history: %v", eventTypes(events))
	}
}

func TestWaitForTaskToken(t *testing.T) {
	tests := []struct {
		name        string
		answer      func(ctx context.Context, token string) error
		wantOutcome string // the "outcome" the ASL's Catch branch sets; "" for success
		check       func(t *testing.T, out map[string]any)
	}{
		{
			name: "success",
			answer: func(ctx context.Context, token string) error {
				_, err := st.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{
					TaskToken: aws.String(token), Output: aws.String(`{"approved":true,"by":"张三"}`),
				})
				return err
			},
			check: func(t *testing.T, out map[string]any) {
				d, _ := out["decision"].(map[string]any)
				if d["approved"] != true || d["by"] != "张三" {
					t.Errorf("decision = %v", out["decision"])
				}
			},
		},
		{
			name: "failure",
			answer: func(ctx context.Context, token string) error {
				_, err := st.SFN.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
					TaskToken: aws.String(token), Error: aws.String("Rejected"), Cause: aws.String("第三部分数字有误"),
				})
				return err
			},
			wantOutcome: "rejected",
			check: func(t *testing.T, out map[string]any) {
				e, _ := out["error"].(map[string]any)
				if e["Error"] != "Rejected" {
					t.Errorf("error = %v", out["error"])
				}
				// moto 5.2.1 drops Cause; the launcher's work-around keeps it.
				if e["Cause"] != "第三部分数字有误" {
					t.Errorf("cause = %v", e["Cause"])
				}
			},
		},
		{
			name:        "heartbeat timeout",
			answer:      func(ctx context.Context, token string) error { return nil },
			wantOutcome: "timed out",
			check: func(t *testing.T, out map[string]any) {
				e, _ := out["error"].(map[string]any)
				// AWS reports States.HeartbeatTimeout, moto States.Timeout.
				if e["Error"] != "States.HeartbeatTimeout" && e["Error"] != "States.Timeout" {
					t.Errorf("error = %v", out["error"])
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.ResetT(t)
			drainTokens()
			ctx := ctxT(t, 30*time.Second)
			arn, err := st.StartExecution(ctx, "CallbackMachine", map[string]any{"report": "2024"})
			if err != nil {
				t.Fatal(err)
			}
			ev := nextCallback(t, ctx)
			if ev.Token == "" || ev.Input["report"] != "2024" {
				t.Fatalf("callback event = %+v", ev)
			}
			// The execution waits for the token.
			time.Sleep(300 * time.Millisecond)
			d, err := st.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != sfntypes.ExecutionStatusRunning {
				t.Fatalf("status %s before the token was used", d.Status)
			}
			if err := tc.answer(ctx, ev.Token); err != nil {
				t.Fatal(err)
			}
			got := succeeded(t, ctx, arn)
			if got["outcome"] != nil && tc.wantOutcome == "" || tc.wantOutcome != "" && got["outcome"] != tc.wantOutcome {
				t.Errorf("outcome = %v, want %q (output %v)", got["outcome"], tc.wantOutcome, got)
			}
			tc.check(t, got)
		})
	}
}

func TestTypedErrorRetriedThenCaught(t *testing.T) {
	tests := []struct {
		mode       string
		wantHits   int64
		wantCaught string
		wantError  string
	}{
		// Retry matches the Go type name: 1 call + 2 retries, then Catch.
		{mode: "typed", wantHits: 3, wantCaught: "typed", wantError: "NotReadyError"},
		// Wrapped, the outermost type is reported: no retry, States.ALL.
		{mode: "wrapped", wantHits: 1, wantCaught: "other", wantError: "wrapError"},
		// A panic is reported with the panic value's type, as aws-lambda-go does.
		{mode: "panic", wantHits: 1, wantCaught: "other", wantError: "string"},
		// The function's Timeout (2 s in the template) as Lambda reports it.
		{mode: "slow", wantHits: 1, wantCaught: "other", wantError: "Sandbox.Timedout"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			st.ResetT(t)
			flakyMode.Store(tc.mode)
			flakyHits.Store(0)
			t.Cleanup(func() { flakyMode.Store("ok") })
			ctx := ctxT(t, 30*time.Second)
			arn, err := st.StartExecution(ctx, "RetryMachine", map[string]any{"id": tc.mode})
			if err != nil {
				t.Fatal(err)
			}
			out, err := st.WaitExecution(ctx, arn)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != sfntypes.ExecutionStatusSucceeded {
				t.Fatalf("status %s: %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
			}
			var got struct {
				Caught string
				Error  struct{ Error, Cause string }
			}
			if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil {
				t.Fatal(err)
			}
			if got.Caught != tc.wantCaught || got.Error.Error != tc.wantError {
				t.Errorf("caught %q with %q, want %q with %q (output %s)", got.Caught, got.Error.Error, tc.wantCaught, tc.wantError, aws.ToString(out.Output))
			}
			if n := flakyHits.Load(); n != tc.wantHits {
				t.Errorf("handler called %d times, want %d", n, tc.wantHits)
			}
		})
	}
}

// moto 5.2.1 fails the second StartExecution of a state machine
// (getmoto/moto#10077); the launcher works around it.
func TestManyConcurrentExecutions(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 60*time.Second)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			arn, err := st.StartExecution(ctx, "EchoMachine", map[string]any{"id": i})
			if err != nil {
				errs <- fmt.Errorf("start %d: %w", i, err)
				return
			}
			out, err := st.WaitExecution(ctx, arn)
			if err != nil {
				errs <- fmt.Errorf("wait %d: %w", i, err)
				return
			}
			if out.Status != sfntypes.ExecutionStatusSucceeded {
				errs <- fmt.Errorf("execution %d: %s %s %s", i, out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestStartExecutionWithoutName(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 20*time.Second)
	arn, _ := st.Ref("EchoMachine")
	for i := range 2 {
		// AWS names an unnamed execution itself; so does the local stack.
		out, err := st.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(fmt.Sprintf(`{"id":"unnamed%d"}`, i))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.WaitExecution(ctx, aws.ToString(out.ExecutionArn)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDynamoDBConditionalWriteConflict(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 10*time.Second)
	table, _ := st.Ref("Table")
	put := func() error {
		_, err := st.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(table),
			Item: map[string]ddbtypes.AttributeValue{
				"PK": &ddbtypes.AttributeValueMemberS{Value: "REPORT#1"},
				"SK": &ddbtypes.AttributeValueMemberS{Value: "V#1"},
			},
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		})
		return err
	}
	if err := put(); err != nil {
		t.Fatal(err)
	}
	err := put()
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second write: %v, want ConditionalCheckFailedException", err)
	}
}

func TestSESv2MailIsReadBack(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 10*time.Second)
	_, err := st.SES.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("noreply@nianbao.test"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"审核人 <reviewer@example.gov.cn>"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("请审核 2024 年度报告")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String("请打开链接")},
				Html: &sestypes.Content{Data: aws.String("<p>请打开链接</p>")},
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: noreply@nianbao.test\r\nTo: drafter@example.gov.cn\r\nSubject: =?UTF-8?B?5bey6YCA5Zue?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E5=B7=B2=E9=80=80=E5=9B=9E\r\n" +
		"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>已退回</p>\r\n--b1--\r\n"
	_, err = st.SES.SendEmail(ctx, &sesv2.SendEmailInput{
		Destination: &sestypes.Destination{ToAddresses: []string{"drafter@example.gov.cn"}},
		Content:     &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte(raw)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mails, err := st.Mail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 2 {
		t.Fatalf("%d messages, want 2: %+v", len(mails), mails)
	}
	m := mails[0]
	if m.Subject != "请审核 2024 年度报告" || m.Body != "<p>请打开链接</p>" || len(m.To) != 1 || !strings.Contains(m.To[0], "reviewer@example.gov.cn") {
		t.Errorf("simple message = %+v", m)
	}
	r := mails[1]
	if r.Subject != "已退回" || r.Text != "已退回" || r.HTML != "<p>已退回</p>" {
		t.Errorf("raw message = %+v", r)
	}

	// An address of a domain that is not verified is refused, as on AWS.
	_, err = st.SES.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("someone@unverified.example"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"a@example.gov.cn"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("x")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("x")}},
		}},
	})
	if err == nil {
		t.Error("mail from an unverified domain was accepted")
	}
}

func TestS3ObjectRoundTrip(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 10*time.Second)
	bucket, _ := st.Ref("Bucket")
	body := "<h1>北京市朝阳区 2024 年政府信息公开工作年度报告</h1>"
	_, err := st.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("chaoyang/2024/index.html"),
		Body: strings.NewReader(body), ContentType: aws.String("text/html; charset=utf-8"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("chaoyang/2024/index.html")})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	b, _ := io.ReadAll(got.Body)
	if string(b) != body || aws.ToString(got.ContentType) != "text/html; charset=utf-8" {
		t.Errorf("got %q (%s)", b, aws.ToString(got.ContentType))
	}
}

func TestResetEmptiesAndRecreates(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 20*time.Second)
	bucket, _ := st.Ref("Bucket")
	if _, err := st.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	// A running execution is stopped by the reset, not left to call handlers.
	drainTokens()
	if _, err := st.StartExecution(ctx, "CallbackMachine", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	nextCallback(t, ctx)
	st.ResetT(t)
	list, err := st.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 0 {
		t.Errorf("%d objects after reset", len(list.Contents))
	}
	sm, _ := st.Ref("CallbackMachine")
	ex, err := st.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Executions) != 0 {
		t.Errorf("%d executions after reset", len(ex.Executions))
	}
}

func TestWebSide(t *testing.T) {
	ctx := ctxT(t, 10*time.Second)
	get := func(url string) string {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", url, resp.Status)
		}
		return string(b)
	}
	base := strings.TrimSuffix(st.WebURL, "/")
	if got := get(st.WebURL + "reports/1"); got != "web /reports/1 "+base {
		t.Errorf("web function answered %q", got)
	}
	if got := get(st.WebURL + "_local/"); !strings.Contains(got, "EchoMachine") {
		t.Errorf("/_local/ does not list the resources: %q", got)
	}
	st.Handle("GET /_local/ping", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") }))
	if got := get(st.WebURL + "_local/ping"); got != "pong" {
		t.Errorf("/_local/ping answered %q", got)
	}
}

func TestUnknownFunctionIsLambdasNotFound(t *testing.T) {
	ctx := ctxT(t, 10*time.Second)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, st.Endpoint+"/2015-03-31/functions/NoSuchFunction/invocations", strings.NewReader("{}"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException" {
		t.Errorf("got %s %q", resp.Status, resp.Header.Get("X-Amzn-ErrorType"))
	}
}

// drainTokens forgets tokens a failed test left behind.
func drainTokens() {
	for {
		select {
		case <-tokens:
		default:
			return
		}
	}
}

func hasEvent(events []sfntypes.HistoryEvent, typ sfntypes.HistoryEventType) bool {
	for _, e := range events {
		if e.Type == typ {
			return true
		}
	}
	return false
}

func eventTypes(events []sfntypes.HistoryEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, string(e.Type))
	}
	return out
}

// StopExecution of an execution waiting for a task token aborts it at once, as on AWS:
// no Catch runs afterwards (moto 5.2.1 needs the launcher's work-around for this).
func TestStopExecutionAbortsAWait(t *testing.T) {
	st.ResetT(t)
	drainTokens()
	ctx := ctxT(t, 20*time.Second)
	arn, err := st.StartExecution(ctx, "CallbackMachine", map[string]any{"report": "2024"})
	if err != nil {
		t.Fatal(err)
	}
	nextCallback(t, ctx)
	if _, err := st.SFN.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Withdrawn")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second) // well before the task's 2 s heartbeat timeout
	var status sfntypes.ExecutionStatus
	for time.Now().Before(deadline) {
		out, err := st.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if status = out.Status; status != sfntypes.ExecutionStatusRunning {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status != sfntypes.ExecutionStatusAborted {
		t.Fatalf("status one second after StopExecution: %s, want ABORTED", status)
	}
	time.Sleep(2500 * time.Millisecond) // past the heartbeat timeout: nothing more may happen
	out, _ := st.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if out.Status != sfntypes.ExecutionStatusAborted {
		t.Errorf("status after the wait's timeout: %s, want ABORTED still", out.Status)
	}
	history, err := st.History(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range history {
		if d := e.StateEnteredEventDetails; d != nil && aws.ToString(d.Name) != "Wait for approval" {
			t.Errorf("state %s ran after the stop", aws.ToString(d.Name))
		}
	}
}

// A token whose wait is over answers TaskTimedOut while the execution goes on (as
// after a reminder): a decision sent with it must not be taken as delivered, and the
// live token still works (moto 5.2.1 needs the launcher's work-around).
func TestUsedUpTokenAnswersTaskTimedOut(t *testing.T) {
	st.ResetT(t)
	drainTokens()
	ctx := ctxT(t, 20*time.Second)
	arn, err := st.StartExecution(ctx, "RearmMachine", map[string]any{"report": "2024"})
	if err != nil {
		t.Fatal(err)
	}
	first, second := nextCallback(t, ctx).Token, nextCallback(t, ctx).Token // the second wait began: the first token is used up
	_, err = st.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(first), Output: aws.String(`{"by":"stale"}`)})
	var timedOut *sfntypes.TaskTimedOut
	if !errors.As(err, &timedOut) {
		t.Fatalf("SendTaskSuccess with the used-up token: %v, want TaskTimedOut", err)
	}
	if _, err := st.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(second), Output: aws.String(`{"by":"live"}`)}); err != nil {
		t.Fatalf("SendTaskSuccess with the live token: %v", err)
	}
	if got := succeeded(t, ctx, arn); !strings.Contains(fmt.Sprint(got["decision"]), "live") {
		t.Errorf("output %v: want the live decision", got)
	}
}

// Conditional writes racing on one key: exactly one wins, as DynamoDB makes each write
// atomic (moto 5.2.1 needs the launcher's lock).
func TestConcurrentConditionalWritesOneWinner(t *testing.T) {
	st.ResetT(t)
	ctx := ctxT(t, 10*time.Second)
	table, _ := st.Ref("Table")
	item := map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: "APPROVAL#1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "A"},
		"state": &ddbtypes.AttributeValueMemberS{Value: "pending"},
	}
	if _, err := st.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	const n = 16
	results := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			<-start
			_, err := st.DynamoDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName:                aws.String(table),
				Key:                      map[string]ddbtypes.AttributeValue{"PK": item["PK"], "SK": item["SK"]},
				UpdateExpression:         aws.String("SET #s = :decided"),
				ConditionExpression:      aws.String("#s = :pending"),
				ExpressionAttributeNames: map[string]string{"#s": "state"},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
					":decided": &ddbtypes.AttributeValueMemberS{Value: "decided"},
					":pending": &ddbtypes.AttributeValueMemberS{Value: "pending"},
				},
			})
			results <- err
		}()
	}
	close(start)
	won := 0
	for i := 0; i < n; i++ {
		err := <-results
		var ccf *ddbtypes.ConditionalCheckFailedException
		switch {
		case err == nil:
			won++
		case !errors.As(err, &ccf):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d racing conditional updates won, want exactly 1", won, n)
	}
}

// The AWS CLI, with the environment `nianbao run` prints, lists the stack's
// functions. boto3 stands in for the CLI: AWS CLI v1 is botocore, which reads
// AWS_DEFAULT_REGION (not AWS_REGION) and pages list-functions by NextMarker; it
// comes with moto, so the test runs the python that runs moto.
func TestAWSCLIListsTheStacksFunctions(t *testing.T) {
	ctx := ctxT(t, 30*time.Second)
	const script = `
import json, boto3
c = boto3.client("lambda")  # region, endpoint and keys from the environment only
names = [f["FunctionName"] for page in c.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2})
         for f in page["Functions"]]
conf = c.get_function_configuration(FunctionName="EchoFunction")
fn = c.get_function(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:CallbackFunction")
try:
    c.get_function(FunctionName="NoSuchFunction")
    missing = "found"
except c.exceptions.ResourceNotFoundException:
    missing = "ResourceNotFoundException"
print(json.dumps({"names": names, "runtime": conf["Runtime"], "timeout": conf["Timeout"],
                  "table": conf["Environment"]["Variables"]["TABLE_NAME"],
                  "callback": fn["Configuration"]["FunctionArn"], "missing": missing}))
`
	cmd := exec.CommandContext(ctx, stack.FindPython(nil), "-c", script)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, stack.CLIEnvironment(st.Endpoint)...)
	cmd.Env = append(cmd.Env, "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("boto3: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		Names    []string
		Runtime  string
		Timeout  int
		Table    string
		Callback string
		Missing  string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := []string{"CallbackFunction", "EchoFunction", "FlakyFunction", "WebFunction"}
	slices.Sort(got.Names)
	if !slices.Equal(got.Names, want) {
		t.Errorf("list-functions (2 a page) listed %v, want %v", got.Names, want)
	}
	table, _ := st.Ref("Table")
	if got.Runtime != "provided.al2023" || got.Timeout != 5 || got.Table != table {
		t.Errorf("EchoFunction's configuration: runtime %q, timeout %d, TABLE_NAME %q", got.Runtime, got.Timeout, got.Table)
	}
	if got.Callback != stack.FunctionARN("CallbackFunction") || got.Missing != "ResourceNotFoundException" {
		t.Errorf("get-function: %q for CallbackFunction's ARN, %q for a missing one", got.Callback, got.Missing)
	}
}

// The stack runs on the moto infra/requirements.txt pins (stacktest.Main refuses
// any other for every integration test binary; this says it plainly).
func TestMotoIsThePinnedVersion(t *testing.T) {
	pinned, err := stack.PinnedVersion("moto")
	if err != nil {
		t.Fatal(err)
	}
	if st.Info.Moto != pinned {
		t.Errorf("moto %s runs the stack; %s pins %s", st.Info.Moto, stack.RequirementsFile, pinned)
	}
}
