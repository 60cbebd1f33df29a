package local_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/infra/local"
	"nianbao/infra/stack"
)

// The lifecycle when AWS fails, with the gateway answering AWS errors in place of moto
// (stack.Fault). Every SDK attempt is a call: SES and S3 clients try 3 times, DynamoDB's
// 4, before the error reaches the code.

// approvalRequests counts the approval requests of a version mailed to someone.
func approvalRequests(to string, version int) int {
	n := 0
	for _, m := range mailsTo(to) {
		if strings.HasPrefix(m.Subject, "【待审批】") && strings.Contains(m.Subject, fmt.Sprintf("（第 %d 版）", version)) {
			n++
		}
	}
	return n
}

// transientFailures counts the step attempts of a report's execution that failed with a
// TransientError (each retried by the state machine).
func transientFailures(t *testing.T, agency string) int {
	t.Helper()
	ctx := context.Background()
	s, _ := local.Store(ctx, st.Stack)
	rep, err := s.GetReport(ctx, agency, 2025)
	if err != nil {
		t.Fatal(err)
	}
	events, err := st.History(ctx, rep.ExecutionARN)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if d := e.TaskFailedEventDetails; d != nil && aws.ToString(d.Error) == "TransientError" {
			n++
		}
		if d := e.LambdaFunctionFailedEventDetails; d != nil && aws.ToString(d.Error) == "TransientError" {
			n++
		}
	}
	return n
}

func failLines(v reportView) int {
	n := 0
	for _, e := range v.Timeline {
		if e.Action == "fail" {
			n++
		}
	}
	return n
}

// SES throttles the first four sends after the submission: the first approval request
// fails the SDK's three attempts, the step returns a TransientError, the state machine
// retries it, the SDK's retry gets it through. The approver gets one mail, the report
// is published, nothing failed.
func TestFaultSESThrottledStillPublishes(t *testing.T) {
	fresh(t, agencyYAML("ag40", "四十区应急管理局", 60, 3))
	drafter := newClient(t, "drafter@ag40.local")
	drafter.signIn()
	if r := drafter.save("ag40", 2025, sampleDoc(t, 2025), ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	f := st.FaultT(t, stack.Fault{Service: "ses", Operation: "SendEmail", Calls: 4, Err: stack.SESThrottled})
	if r := drafter.submit("ag40", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	drafter.waitStatus("ag40", 2025, "in_review", "股室负责人")
	newApprover(t, "section@ag40.local").reviewLink(1)
	if f.Answered() != 4 {
		t.Errorf("the fault answered %d sends, want 4", f.Answered())
	}
	if n := approvalRequests("section@ag40.local", 1); n != 1 {
		t.Errorf("%d approval requests mailed to the section, want 1", n)
	}
	if n := transientFailures(t, "ag40"); n != 1 {
		t.Errorf("%d step attempts failed with TransientError, want 1 (retried by the state machine)", n)
	}
	approveAll(t, "ag40", 1)
	v := drafter.waitStatus("ag40", 2025, "published", "")
	if v.StatusLabel != "已发布" || failLines(v) != 0 {
		t.Errorf("after throttling: %q with %d fail lines", v.StatusLabel, failLines(v))
	}
}

// SES refuses every send for good (MessageRejected): the approval request is not
// retried; the report says what did not happen, its record has one fail line, the
// execution ends failed.
func TestFaultSESRefusedForGood(t *testing.T) {
	s := fresh(t, agencyYAML("ag41", "四一区应急管理局", 60, 3))
	ctx := context.Background()
	drafter := newClient(t, "drafter@ag41.local")
	drafter.signIn()
	if r := drafter.save("ag41", 2025, sampleDoc(t, 2025), ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	f := st.FaultT(t, stack.Fault{Service: "ses", Operation: "SendEmail", Err: stack.SESRejected})
	if r := drafter.submit("ag41", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	v := drafter.waitStatus("ag41", 2025, "failed", "")
	if v.StatusLabel != "流程出错：审批通知未能发出" {
		t.Errorf("label %q, want 流程出错：审批通知未能发出", v.StatusLabel)
	}
	rep, err := s.GetReport(ctx, "ag41", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if exec, err := st.WaitExecution(ctx, rep.ExecutionARN); err != nil || exec.Status != sfntypes.ExecutionStatusFailed {
		t.Fatalf("execution: %v %v, want FAILED", exec.Status, err)
	}
	if n := failLines(drafter.report("ag41", 2025)); n != 1 {
		t.Errorf("%d fail lines, want 1", n)
	}
	// A refusal is not worth retrying: RequestApproval sent once (whatever else tried to
	// mail after it, the drafter's notice say).
	if f.Answered() < 1 || approvalRequests("section@ag41.local", 1) != 0 {
		t.Errorf("%d sends refused, %d approval requests delivered", f.Answered(), approvalRequests("section@ag41.local", 1))
	}
	page := drafter.do("GET", webURL("/reports/ag41/2025/status"), nil, nil)
	if !strings.Contains(string(page.body), "流程出错：审批通知未能发出") {
		t.Errorf("the status page does not say what happened: %.300s", page.body)
	}
}

// S3 answers 500 to the first four PUTs of the publication: the first object fails the
// SDK's three attempts, Publish returns a TransientError, the state machine runs it
// again, the SDK's retry gets it through. The report is published and every index
// names it.
func TestFaultS3FailsFirstPuts(t *testing.T) {
	fresh(t, agencyYAML("ag42", "四二区应急管理局", 60, 3))
	drafter, _ := submitSample(t, "ag42")
	section := newApprover(t, "section@ag42.local")
	if r := section.decide(section.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("section approve: %d %s", r.status, r.body)
	}
	office := newApprover(t, "office@ag42.local")
	if r := office.decide(office.reviewLink(1), "approve", "", true); r.status != http.StatusSeeOther {
		t.Fatalf("office approve: %d %s", r.status, r.body)
	}
	director := newApprover(t, "director@ag42.local")
	link := director.reviewLink(1)
	f := st.FaultT(t, stack.Fault{Service: "s3", Operation: "PutObject", Calls: 4, Err: stack.S3InternalError})
	if r := director.decide(link, "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("director approve: %d %s", r.status, r.body)
	}
	v := drafter.waitStatus("ag42", 2025, "published", "")
	if f.Answered() != 4 || f.Passed() == 0 {
		t.Errorf("the fault answered %d PUTs and passed %d, want 4 and the rest", f.Answered(), f.Passed())
	}
	if v.StatusLabel != "已发布" || v.Published != 1 || failLines(v) != 0 {
		t.Errorf("after S3 errors: %q, version %d, %d fail lines", v.StatusLabel, v.Published, failLines(v))
	}
	if n := transientFailures(t, "ag42"); n != 1 {
		t.Errorf("%d Publish attempts failed with TransientError, want 1 (retried by the state machine)", n)
	}
	for key, want := range map[string]string{
		"reports/ag42/2025/index.html": "四二区应急管理局2025年度政府信息公开工作年度报告",
		"reports/ag42/index.html":      "2025",
		"reports/index.html":           "四二区应急管理局",
	} {
		if body, _, _ := siteObject(t, key); !strings.Contains(string(body), want) {
			t.Errorf("%s does not name %q", key, want)
		}
	}
}

// DynamoDB throttles a save past the SDK's four attempts: the API answers 503 with
// Retry-After and code "unavailable" (not 500); the same save again is stored, nothing
// lost.
func TestFaultDynamoDBThrottledSave(t *testing.T) {
	fresh(t, agencyYAML("ag43", "四三区应急管理局", 60, 3))
	drafter := newClient(t, "drafter@ag43.local")
	drafter.signIn()
	doc := sampleDoc(t, 2025)
	r := drafter.save("ag43", 2025, doc, "")
	if r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	etag := r.header.Get("ETag")
	doc["sections"].(map[string]any)["overview"] = "限流期间写下的文字，不能丢。"
	f := st.FaultT(t, stack.Fault{Service: "dynamodb", Operation: "UpdateItem", Calls: 4, Err: stack.DynamoDBThrottled})
	r = drafter.save("ag43", 2025, doc, etag)
	var e struct{ Error, Code string }
	r.json(t, &e)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || e.Code != "unavailable" || !strings.Contains(e.Error, "稍后") {
		t.Fatalf("a throttled save: %d Retry-After %q %+v, want 503 with Retry-After, code unavailable", r.status, r.header.Get("Retry-After"), e)
	}
	if f.Answered() != 4 {
		t.Errorf("the fault answered %d UpdateItems, want the SDK's 4", f.Answered())
	}
	// The form waits as told, then saves the same text from the same revision.
	r = drafter.save("ag43", 2025, doc, etag)
	if r.status != http.StatusOK {
		t.Fatalf("the save again: %d %s", r.status, r.body)
	}
	s, _ := local.Store(context.Background(), st.Stack)
	rep, err := s.GetReport(context.Background(), "ag43", 2025)
	if err != nil || !strings.Contains(string(rep.Draft), "限流期间写下的文字，不能丢。") {
		t.Errorf("the stored draft lacks the text typed during the throttling (%v)", err)
	}
}

// The same in the browser: the clerk types while DynamoDB throttles; the form says so
// calmly, keeps the text, saves again after Retry-After, and the text is stored.
func TestBrowserSaveThrottled(t *testing.T) {
	const ag = "web43"
	s := fresh(t, agencyYAML(ag, "网页四三区应急管理局", 3600, 3))
	p := newPage(t, 1280, 900)
	p.signIn("drafter@" + ag + ".local")
	p.clickAndLoad(`a[href="/reports/new"]`, "/reports/new")
	p.eval(fmt.Sprintf(`(() => { const s = document.getElementById("year"); s.value = "%d"; s.dispatchEvent(new Event("change")); return "" })()`, browserYear))
	p.clickAndLoad(`#new-report button[type=submit]`, fmt.Sprintf("/reports/%s/%d/edit", ag, browserYear))
	p.waitChecked()

	// Enough saves fail for the form to see a 503 (each save is one UpdateItem, which the
	// SDK tries 4 times), then DynamoDB answers again.
	f := st.FaultT(t, stack.Fault{Service: "dynamodb", Operation: "UpdateItem", Calls: 4, Err: stack.DynamoDBThrottled})
	const text = "限流时键入的概述，应当保存下来。"
	p.typeInto("#s-overview", text)
	p.waitTrue("the calm notice", `document.getElementById("save-state").textContent.includes("系统繁忙")`, 30*time.Second)
	p.shot("save-throttled")
	if got := p.eval(`document.getElementById("s-overview").value`); got != text {
		t.Errorf("the text in the form is %q while the save waits", got)
	}
	if p.eval(`String(document.getElementById("form-error").hidden)`) != "true" {
		t.Errorf("an error is shown for a throttled save: %q", p.eval(`document.getElementById("form-error").textContent`))
	}
	p.waitTrue("the save after Retry-After", `document.getElementById("save-state").textContent.startsWith("已保存")`, 30*time.Second)
	if f.Answered() != 4 {
		t.Errorf("the fault answered %d UpdateItems, want 4", f.Answered())
	}
	rep, err := s.GetReport(context.Background(), ag, browserYear)
	if err != nil || !strings.Contains(string(rep.Draft), text) {
		t.Errorf("the stored draft lacks the text typed during the throttling (%v)", err)
	}
}
