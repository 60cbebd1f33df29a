package local_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/infra/local"
	"nianbao/shared/admin"
)

// siteObject reads an object of the site bucket.
func siteObject(t testing.TB, key string) (body []byte, contentType, cacheControl string) {
	t.Helper()
	bucket, err := st.Ref(local.SiteBucket)
	if err != nil {
		t.Fatal(err)
	}
	out, err := st.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return b, aws.ToString(out.ContentType), aws.ToString(out.CacheControl)
}

// approveAll takes version n of a report through the three levels of the test chain.
func approveAll(t testing.TB, agency string, n int) {
	t.Helper()
	section := newApprover(t, "section@"+agency+".local")
	if r := section.decide(section.reviewLink(n), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("section approve: %d %s", r.status, r.body)
	}
	office := newApprover(t, "office@"+agency+".local")
	if r := office.decide(office.reviewLink(n), "approve", "数据已核对", true); r.status != http.StatusSeeOther {
		t.Fatalf("office approve: %d %s", r.status, r.body)
	}
	director := newApprover(t, "director@"+agency+".local")
	if r := director.decide(director.reviewLink(n), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("director approve: %d %s", r.status, r.body)
	}
}

func TestFullChainPublishes(t *testing.T) {
	fresh(t, agencyYAML("ag1", "甲区应急管理局", 60, 3))
	drafter, _ := submitSample(t, "ag1")
	drafter.waitStatus("ag1", 2025, "in_review", "股室负责人")

	section := newApprover(t, "section@ag1.local")
	if r := section.decide(section.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("section approve: %d %s", r.status, r.body)
	}
	drafter.waitStatus("ag1", 2025, "in_review", "办公室")

	// The office level needs the 保密审查 attestation: without it nothing is decided.
	office := newApprover(t, "office@ag1.local")
	officeLink := office.reviewLink(1)
	r := office.decide(officeLink, "approve", "", false)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "保密审查") {
		t.Fatalf("approve without attestation: %d, want 422 naming 保密审查\n%s", r.status, r.body)
	}
	if r := office.decide(officeLink, "approve", "", true); r.status != http.StatusSeeOther {
		t.Fatalf("office approve: %d %s", r.status, r.body)
	}
	drafter.waitStatus("ag1", 2025, "in_review", "局长")

	director := newApprover(t, "director@ag1.local")
	if r := director.decide(director.reviewLink(1), "approve", "同意发布", false); r.status != http.StatusSeeOther {
		t.Fatalf("director approve: %d %s", r.status, r.body)
	}
	v := drafter.waitStatus("ag1", 2025, "published", "")
	if v.Published != 1 || v.StatusLabel != "已发布" {
		t.Errorf("published version %d, label %s", v.Published, v.StatusLabel)
	}

	for _, o := range []struct{ key, typ string }{
		{"reports/ag1/2025/index.html", "text/html; charset=utf-8"},
		{"reports/ag1/2025/report.json", "application/json"},
		{"reports/ag1/2025/meta.json", "application/json"},
		{"reports/ag1/2025/v1/index.html", "text/html; charset=utf-8"},
		{"reports/ag1/2025/v1/report.json", "application/json"},
		{"reports/ag1/2025/report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"reports/ag1/2025/v1/report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"reports/ag1/index.html", "text/html; charset=utf-8"},
		{"reports/index.html", "text/html; charset=utf-8"},
	} {
		_, typ, cache := siteObject(t, o.key)
		if typ != o.typ {
			t.Errorf("%s: Content-Type %q, want %q", o.key, typ, o.typ)
		}
		if cache == "" {
			t.Errorf("%s: no Cache-Control", o.key)
		}
	}
	page, _, _ := siteObject(t, "reports/ag1/2025/index.html")
	if !strings.Contains(string(page), "甲区应急管理局2025年度政府信息公开工作年度报告") {
		t.Error("the published page does not carry the title")
	}
	raw, _, _ := siteObject(t, "reports/ag1/2025/report.json")
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil || doc["agency"] != "甲区应急管理局" || doc["format"] != "gip-2021" {
		t.Errorf("report.json: %v %v", err, doc["agency"])
	}
	metaRaw, _, _ := siteObject(t, "reports/ag1/2025/meta.json")
	var meta struct {
		Version int    `json:"version"`
		SHA256  string `json:"sha256"`
	}
	if err := json.Unmarshal(metaRaw, &meta); err != nil || meta.Version != 1 || len(meta.SHA256) != 64 {
		t.Errorf("meta.json: %v %s", err, metaRaw)
	}

	// The drafter is told where the report is, and the page opens there.
	m := waitMail(t, "drafter@ag1.local", "/_local/site/reports/ag1/2025/", 0)
	if !strings.Contains(m.Subject, "已发布") {
		t.Errorf("notification subject %q", m.Subject)
	}
	pub := newClient(t, "public").do("GET", link(m, "/reports/ag1/2025/"), nil, nil)
	if pub.status != http.StatusOK || !strings.Contains(string(pub.body), "甲区应急管理局") {
		t.Errorf("the published URL gives %d", pub.status)
	}
	// The state machine read from workflow/approval.asl.json ran the project's own
	// handlers through the gateway, and ended well.
	s, _ := local.Store(context.Background(), st.Stack)
	rep, err := s.GetReport(context.Background(), "ag1", 2025)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := st.WaitExecution(context.Background(), rep.ExecutionARN)
	if err != nil || exec.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %v %v", rep.ExecutionARN, exec.Status, err)
	}
	history, err := st.History(context.Background(), rep.ExecutionARN)
	if err != nil {
		t.Fatal(err)
	}
	invoked := map[string]bool{}
	for _, e := range history {
		if d := e.TaskScheduledEventDetails; d != nil && aws.ToString(d.ResourceType) == "lambda" {
			var p struct{ FunctionName string }
			json.Unmarshal([]byte(aws.ToString(d.Parameters)), &p)
			invoked[p.FunctionName[strings.LastIndex(p.FunctionName, ":")+1:]] = true
		}
	}
	for _, fn := range []string{"ValidateFunction", "RequestApprovalFunction", "PublishFunction", "NotifyFunction"} {
		if !invoked[fn] {
			t.Errorf("the execution did not invoke %s (invoked %v)", fn, invoked)
		}
	}
	// The audit log has every step, the attestation included.
	var actions []string
	for _, e := range drafter.report("ag1", 2025).Timeline {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"save", "submit", "request", "approve", "attest", "publish"} {
		if !contains(actions, want) {
			t.Errorf("timeline lacks %q: %v", want, actions)
		}
	}
}

func TestReturnAtOfficeThenVersionTwo(t *testing.T) {
	fresh(t, agencyYAML("ag2", "乙区应急管理局", 60, 3))
	drafter, etag := submitSample(t, "ag2")
	section := newApprover(t, "section@ag2.local")
	section.decide(section.reviewLink(1), "approve", "", false)

	office := newApprover(t, "office@ag2.local")
	link := office.reviewLink(1)
	if r := office.decide(link, "return", "", false); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "退回意见") {
		t.Fatalf("return without comment: %d, want 422", r.status)
	}
	if r := office.decide(link, "return", "表三第二行数字与台账不符，请核对。", false); r.status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", r.status, r.body)
	}
	v := drafter.waitStatus("ag2", 2025, "returned", "")
	if v.Comment != "表三第二行数字与台账不符，请核对。" {
		t.Errorf("comment beside the report: %q", v.Comment)
	}
	m := waitMail(t, "drafter@ag2.local", "/reports/ag2/2025", 0)
	if !strings.Contains(m.Text, "表三第二行数字与台账不符") || !strings.Contains(m.Subject, "退回") {
		t.Errorf("the return mail does not carry the comment: %s\n%s", m.Subject, m.Text)
	}

	doc := sampleDoc(t, 2025)
	doc["sections"].(map[string]any)["overview"] = "已按办公室意见核对修改。"
	r := drafter.save("ag2", 2025, doc, etag)
	if r.status != http.StatusOK {
		t.Fatalf("save after return: %d %s", r.status, r.body)
	}
	if r := drafter.submit("ag2", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("resubmit: %d %s", r.status, r.body)
	}
	// Version 2 starts again at level 1.
	drafter.waitStatus("ag2", 2025, "in_review", "股室负责人")
	approveAll(t, "ag2", 2)
	v = drafter.waitStatus("ag2", 2025, "published", "")
	if v.Version != 2 || v.Published != 2 {
		t.Errorf("version %d published %d, want 2 and 2", v.Version, v.Published)
	}
	raw, _, _ := siteObject(t, "reports/ag2/2025/report.json")
	if !strings.Contains(string(raw), "已按办公室意见核对修改") {
		t.Error("version 2's text is not what was published")
	}
}

func TestHardErrorsNeverReachAnApprover(t *testing.T) {
	s := fresh(t, agencyYAML("ag3", "丙区应急管理局", 60, 3))
	drafter := newClient(t, "drafter@ag3.local")
	drafter.signIn()
	doc := sampleDoc(t, 2025)
	doc["requests"].(map[string]any)["new"].(map[string]any)["total"] = 45 // breaks the row total
	if r := drafter.save("ag3", 2025, doc, ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	r := drafter.submit("ag3", 2025, nil)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "requests.row_total") {
		t.Fatalf("submit of a broken report: %d %s", r.status, r.body)
	}
	if v := drafter.report("ag3", 2025); v.Status != "draft" || v.Version != 0 {
		t.Errorf("after a refused submit: %s v%d", v.Status, v.Version)
	}

	// A version that reached the state machine without the API (a script, a bug) is
	// stopped by the Validate step and returned with its findings.
	ctx := context.Background()
	bad, _ := json.Marshal(doc)
	if _, err := s.SaveDraft(ctx, "ag3", 2025, bad, 1, "script", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := submitBehindTheAPI(ctx, s, "ag3", 2025, bad); err != nil {
		t.Fatal(err)
	}
	v := drafter.waitStatus("ag3", 2025, "returned", "")
	if !strings.Contains(v.Comment, "未通过校验") {
		t.Errorf("comment %q", v.Comment)
	}
	m := waitMail(t, "drafter@ag3.local", "/reports/ag3/2025", 0)
	if !strings.Contains(m.Text, "总计") {
		t.Errorf("the return mail does not list the findings:\n%s", m.Text)
	}
	if got := mailsTo("section@ag3.local"); len(got) != 0 {
		t.Errorf("an approver was asked about an invalid report: %v", got)
	}
}

func TestStaleSaveRefused(t *testing.T) {
	fresh(t, agencyYAML("ag4", "丁区应急管理局", 60, 3))
	a, b := newClient(t, "drafter@ag4.local"), newClient(t, "drafter@ag4.local")
	a.signIn()
	b.signIn()
	r := a.save("ag4", 2025, sampleDoc(t, 2025), "")
	first := r.header.Get("ETag")
	docA := sampleDoc(t, 2025)
	docA["sections"].(map[string]any)["problems"] = "A 的修改"
	if r := a.save("ag4", 2025, docA, first); r.status != http.StatusOK {
		t.Fatalf("save A: %d %s", r.status, r.body)
	}
	docB := sampleDoc(t, 2025)
	docB["sections"].(map[string]any)["problems"] = "B 的修改"
	r = b.save("ag4", 2025, docB, first)
	if r.status != http.StatusPreconditionFailed {
		t.Fatalf("stale save: %d, want 412", r.status)
	}
	var conflict struct {
		ETag  string         `json:"etag"`
		Draft map[string]any `json:"draft"`
	}
	r.json(t, &conflict)
	if conflict.Draft["sections"].(map[string]any)["problems"] != "A 的修改" {
		t.Errorf("the 412 does not carry the current draft: %v", conflict.Draft["sections"])
	}
	// Nothing was overwritten, and a save without If-Match on an existing report is stale too.
	if r := b.save("ag4", 2025, docB, ""); r.status != http.StatusPreconditionFailed {
		t.Errorf("save without If-Match over an existing report: %d, want 412", r.status)
	}
	got := a.api("GET", "/api/reports/ag4/2025", nil, nil)
	if !strings.Contains(string(got.body), "A 的修改") {
		t.Error("A's save was overwritten")
	}
	// A submission names the draft it means: B's stale ETag is refused, nothing starts.
	r = b.api("POST", "/api/reports/ag4/2025/submit", nil, map[string]string{"If-Match": first})
	if r.status != http.StatusPreconditionFailed {
		t.Errorf("submit on a stale ETag: %d, want 412", r.status)
	}
	if v := a.report("ag4", 2025); v.Status != "draft" || v.Version != 0 {
		t.Errorf("after a refused submission: %s v%d", v.Status, v.Version)
	}
	// B keeps theirs by saving on the current ETag.
	if r := b.save("ag4", 2025, docB, conflict.ETag); r.status != http.StatusOK {
		t.Errorf("save on the current ETag: %d %s", r.status, r.body)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	fresh(t, agencyYAML("ag5", "戊区应急管理局", 60, 3))
	c := newClient(t, "drafter@ag5.local")
	c.signIn()
	etag := c.save("ag5", 2025, sampleDoc(t, 2025), "").header.Get("ETag")
	tests := []struct {
		name   string
		body   []byte
		status int
	}{
		{"malformed JSON", []byte(`{"format": "gip-2021", `), http.StatusUnprocessableEntity},
		{"unknown field", []byte(`{"format":"gip-2021","extra":1}`), http.StatusUnprocessableEntity},
		{"unknown cell", []byte(`{"format":"gip-2021","requests":{"new":{"robots":1}}}`), http.StatusUnprocessableEntity},
		{"another agency's name", []byte(`{"format":"gip-2021","agency":"别的局"}`), http.StatusUnprocessableEntity},
		{"5 MB body", []byte(`{"format":"gip-2021","sections":{"overview":"` + strings.Repeat("长", 5<<20/3) + `"}}`), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		r := c.save("ag5", 2025, tt.body, etag)
		if r.status != tt.status {
			t.Errorf("%s: %d, want %d: %.200s", tt.name, r.status, tt.status, r.body)
		}
		if strings.Contains(string(r.body), "goroutine") || !strings.Contains(string(r.body), `"error"`) {
			t.Errorf("%s: the answer is not a plain JSON error: %.200s", tt.name, r.body)
		}
	}
	if v := c.report("ag5", 2025); v.ETag != etag {
		t.Errorf("a refused save changed the draft: %s → %s", etag, v.ETag)
	}
	// Not signed in, another agency, no JSON content type.
	if r := newClient(t, "x").api("GET", "/api/reports/ag5/2025", nil, nil); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous read: %d", r.status)
	}
	if r := c.api("GET", "/api/reports/demo/2025", nil, nil); r.status != http.StatusForbidden {
		t.Errorf("another agency: %d", r.status)
	}
	if r := c.do("PUT", webURL("/api/reports/ag5/2025"), []byte(`{}`), map[string]string{"If-Match": etag, "Content-Type": "text/plain"}); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain PUT: %d", r.status)
	}
}

func TestReminderThenOverdue(t *testing.T) {
	fresh(t, agencyYAML("ag6", "己区应急管理局", 1, 1))
	drafter, _ := submitSample(t, "ag6")
	section := newApprover(t, "section@ag6.local")
	first := section.reviewLink(1)
	reminder := waitMail(t, "section@ag6.local", "/review/", 1)
	if !strings.HasPrefix(reminder.Subject, "【催办】") {
		t.Errorf("second mail to the approver is %q, want a reminder", reminder.Subject)
	}
	if got := link(reminder, "/review/"); got != first {
		t.Errorf("the reminder carries another link:\n %s\n %s", got, first)
	}
	v := drafter.waitStatus("ag6", 2025, "overdue", "")
	if v.StatusLabel != "逾期未审批" || !strings.Contains(v.Comment, "股室负责人") {
		t.Errorf("overdue report: %s %q", v.StatusLabel, v.Comment)
	}
	m := waitMail(t, "office@ag6.local", "/reports/ag6/2025", 0)
	if !strings.Contains(m.Subject, "逾期") || !contains(m.To, "drafter@ag6.local") {
		t.Errorf("overdue notice: %v %s", m.To, m.Subject)
	}
	// The link is dead now: it says what happened and offers no buttons.
	page := section.c.do("GET", first, nil, nil)
	if strings.Contains(string(page.body), `value="approve"`) || !strings.Contains(string(page.body), "逾期") {
		t.Errorf("the overdue link still offers a decision:\n%s", page.body)
	}
}

func TestDecisionAfterReminderUsesTheSameLink(t *testing.T) {
	fresh(t, agencyYAML("ag7", "庚区应急管理局", 1, 5))
	drafter, _ := submitSample(t, "ag7")
	section := newApprover(t, "section@ag7.local")
	l := section.reviewLink(1)
	waitMail(t, "section@ag7.local", "/review/", 1) // a reminder went out: the token behind the link changed
	if r := section.decide(l, "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("approve after a reminder: %d %s", r.status, r.body)
	}
	drafter.waitStatus("ag7", 2025, "in_review", "办公室")
}

func TestWithdraw(t *testing.T) {
	fresh(t, agencyYAML("ag8", "辛区应急管理局", 60, 3))
	drafter, etag := submitSample(t, "ag8")
	drafter.waitStatus("ag8", 2025, "in_review", "股室负责人")
	section := newApprover(t, "section@ag8.local")
	l := section.reviewLink(1)
	page := section.c.do("GET", l, nil, nil)
	csrf := csrfOf(t, page.body)

	// While in review the draft cannot change.
	if r := drafter.save("ag8", 2025, sampleDoc(t, 2025), etag); r.status != http.StatusConflict {
		t.Errorf("save in review: %d, want 409", r.status)
	}
	r := drafter.api("POST", "/api/reports/ag8/2025/withdraw", nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.status, r.body)
	}
	v := drafter.report("ag8", 2025)
	if v.Status != "draft" || v.Version != 1 {
		t.Errorf("after withdraw: %s v%d", v.Status, v.Version)
	}
	s, _ := local.Store(context.Background(), st.Stack)
	rep, _ := s.GetReport(context.Background(), "ag8", 2025)
	exec, err := st.WaitExecution(context.Background(), rep.ExecutionARN)
	if err != nil || exec.Status != sfntypes.ExecutionStatusAborted {
		t.Errorf("execution after withdraw: %v %v", exec.Status, err)
	}
	// The pending link is dead: a page saying so, no buttons; a post changes nothing.
	page = section.c.do("GET", l, nil, nil)
	if strings.Contains(string(page.body), `value="approve"`) || !strings.Contains(string(page.body), "撤回") {
		t.Errorf("withdrawn link page:\n%s", page.body)
	}
	if r := section.post(l, map[string][]string{"csrf": {csrf}, "decision": {"approve"}}); r.status != http.StatusConflict {
		t.Errorf("decision on a withdrawn report: %d, want 409", r.status)
	}
	if v := drafter.report("ag8", 2025); v.Status != "draft" {
		t.Errorf("status after a post on a dead link: %s", v.Status)
	}
	// Edited and resubmitted, it is version 2 and starts again at level 1.
	if r := drafter.save("ag8", 2025, sampleDoc(t, 2025), drafter.report("ag8", 2025).ETag); r.status != http.StatusOK {
		t.Fatalf("save after withdraw: %d %s", r.status, r.body)
	}
	if r := drafter.submit("ag8", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("resubmit: %d %s", r.status, r.body)
	}
	drafter.waitStatus("ag8", 2025, "in_review", "股室负责人")
	if drafter.report("ag8", 2025).Version != 2 {
		t.Error("resubmission is not version 2")
	}
}

// Mail scanners open every link in a message. Opening changes nothing.
func TestScannerOpeningEveryLinkChangesNothing(t *testing.T) {
	fresh(t, agencyYAML("ag9", "壬区应急管理局", 60, 3))
	drafter := newClient(t, "drafter@ag9.local")
	before := len(mailsTo(drafter.email))
	drafter.api("POST", "/api/auth/link", map[string]string{"email": drafter.email}, nil)
	login := link(waitMail(t, drafter.email, "/login/", before), "/login/")
	scanner := newClient(t, "scanner")
	for i := 0; i < 3; i++ {
		if r := scanner.do("GET", login, nil, nil); r.status != http.StatusOK {
			t.Fatalf("scanner GET of the sign-in link: %d", r.status)
		}
	}
	// The link still signs the person in, once.
	page := drafter.do("GET", login, nil, nil)
	form := []byte("csrf=" + csrfOf(t, page.body))
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if r := drafter.do("POST", login, form, hdr); r.status != http.StatusSeeOther {
		t.Fatalf("sign in after the scanner: %d %s", r.status, r.body)
	}
	if r := drafter.do("POST", login, form, hdr); r.status != http.StatusGone {
		t.Errorf("second use of a sign-in link: %d, want 410", r.status)
	}

	drafter.save("ag9", 2025, sampleDoc(t, 2025), "")
	drafter.submit("ag9", 2025, nil)
	section := newApprover(t, "section@ag9.local")
	l := section.reviewLink(1)
	for i := 0; i < 3; i++ {
		for _, m := range st.Mailbox() {
			for _, u := range m.Links {
				scanner.do("GET", u, nil, nil)
				scanner.do("HEAD", u, nil, nil)
			}
		}
	}
	s, _ := local.Store(context.Background(), st.Stack)
	a, err := s.FindApproval(context.Background(), "ag9", 2025, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != "pending" {
		t.Errorf("after the scanner the approval is %s", a.State)
	}
	if v := drafter.report("ag9", 2025); v.Status != "in_review" || *v.Level != "股室负责人" {
		t.Errorf("after the scanner the report is %s at %v", v.Status, v.Level)
	}
	if r := section.decide(l, "approve", "", false); r.status != http.StatusSeeOther {
		t.Errorf("the approver's own decision after the scanner: %d", r.status)
	}
}

func TestRefusedWithoutEffect(t *testing.T) {
	s := fresh(t, agencyYAML("ag10", "癸区应急管理局", 60, 3))
	ctx := context.Background()
	drafter, _ := submitSample(t, "ag10")
	section := newApprover(t, "section@ag10.local")
	sectionLink := section.reviewLink(1)
	page := section.c.do("GET", sectionLink, nil, nil)
	form := map[string][]string{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}}
	if r := section.post(sectionLink, form); r.status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	office := newApprover(t, "office@ag10.local")
	officeLink := office.reviewLink(1)
	countDecisions := func() int {
		n := 0
		for _, e := range drafter.report("ag10", 2025).Timeline {
			if e.Action == "approve" || e.Action == "return" {
				n++
			}
		}
		return n
	}
	decisions := countDecisions()

	// A double post and a replay of the same form: what happened is shown, nothing changes.
	for i := 0; i < 2; i++ {
		r := section.post(sectionLink, form)
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "已由 section@ag10.local") {
			t.Errorf("replayed decision %d: %d\n%.300s", i, r.status, r.body)
		}
		if strings.Contains(string(r.body), `value="approve"`) {
			t.Error("a replayed decision got the buttons again")
		}
	}
	// The section approver's secret on the office's approval, a forged approval id, a
	// forged secret: all "link invalid".
	sectionParts := strings.Split(sectionLink, "/")
	officeParts := strings.Split(officeLink, "/")
	crossed := strings.Join(append(officeParts[:len(officeParts)-1], sectionParts[len(sectionParts)-1]), "/")
	forgedID := strings.Join(append(officeParts[:len(officeParts)-2], "0123456789abcdef0123456789abcdef", officeParts[len(officeParts)-1]), "/")
	forgedSecret := strings.Join(append(officeParts[:len(officeParts)-1], "AAAAAAAAAAAAAAAAAAAAAA"), "/")
	for name, l := range map[string]string{"another approver's link": crossed, "forged id": forgedID, "forged secret": forgedSecret, "junk": webURL("/review/x/y")} {
		if r := section.c.do("GET", l, nil, nil); r.status != http.StatusNotFound {
			t.Errorf("%s GET: %d, want 404", name, r.status)
		}
		if r := section.post(l, map[string][]string{"csrf": {"x"}, "decision": {"approve"}, "attest": {"1"}}); r.status != http.StatusNotFound {
			t.Errorf("%s POST: %d, want 404", name, r.status)
		}
	}
	// A form with another link's CSRF token is refused.
	if r := office.post(officeLink, form); r.status != http.StatusForbidden {
		t.Errorf("office link with the section's csrf: %d, want 403", r.status)
	}
	a, err := s.FindApproval(ctx, "ag10", 2025, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != "pending" {
		t.Errorf("the office approval is %s after refused attempts", a.State)
	}
	if got := countDecisions(); got != decisions {
		t.Errorf("decisions in the audit log went from %d to %d", decisions, got)
	}
	if v := drafter.report("ag10", 2025); *v.Level != "办公室" {
		t.Errorf("report moved to %v", *v.Level)
	}
}

// Two approvers of one level decide at the same moment: exactly one decision counts.
func TestConcurrentDecisionsOneWinner(t *testing.T) {
	fresh(t, agencyYAML("ag11", "子区应急管理局", 60, 3))
	drafter, _ := submitSample(t, "ag11")
	section := newApprover(t, "section@ag11.local")
	section.decide(section.reviewLink(1), "approve", "", false)

	office, deputy := newApprover(t, "office@ag11.local"), newApprover(t, "deputy@ag11.local")
	type prepared struct {
		a    *approver
		link string
		form map[string][]string
	}
	var ps []prepared
	for _, a := range []*approver{office, deputy} {
		l := a.reviewLink(1)
		page := a.c.do("GET", l, nil, nil)
		ps = append(ps, prepared{a, l, map[string][]string{"csrf": {csrfOf(t, page.body)}}})
	}
	ps[0].form["decision"], ps[0].form["attest"] = []string{"approve"}, []string{"1"}
	ps[1].form["decision"], ps[1].form["comment"] = []string{"return"}, []string{"请补充说明。"}
	results := make(chan int, 2)
	start := make(chan struct{})
	for _, p := range ps {
		go func() {
			<-start
			results <- p.a.post(p.link, p.form).status
		}()
	}
	close(start)
	a, b := <-results, <-results
	won, lost := 0, 0
	for _, s := range []int{a, b} {
		switch s {
		case http.StatusSeeOther:
			won++
		case http.StatusConflict:
			lost++
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("two concurrent decisions: statuses %d and %d, want one 303 and one 409", a, b)
	}
	n := 0
	for _, e := range drafter.report("ag11", 2025).Timeline {
		if e.Level == "办公室" && (e.Action == "approve" || e.Action == "return") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d decisions recorded for the office level, want 1", n)
	}
}

// Two agencies published at the same moment both appear in the site index.
func TestTwoAgenciesPublishAtOnce(t *testing.T) {
	fresh(t, agencyYAML("east", "东区应急管理局", 60, 3), agencyYAML("west", "西区应急管理局", 60, 3))
	type party struct {
		id       string
		drafter  *client
		director *approver
		link     string
		form     map[string][]string
	}
	var ps []*party
	for _, id := range []string{"east", "west"} {
		p := &party{id: id}
		p.drafter, _ = submitSample(t, id)
		sec := newApprover(t, "section@"+id+".local")
		sec.decide(sec.reviewLink(1), "approve", "", false)
		off := newApprover(t, "office@"+id+".local")
		off.decide(off.reviewLink(1), "approve", "", true)
		p.director = newApprover(t, "director@"+id+".local")
		p.link = p.director.reviewLink(1)
		page := p.director.c.do("GET", p.link, nil, nil)
		p.form = map[string][]string{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}}
		ps = append(ps, p)
	}
	done := make(chan int, len(ps))
	for _, p := range ps {
		go func() { done <- p.director.post(p.link, p.form).status }()
	}
	for range ps {
		if s := <-done; s != http.StatusSeeOther {
			t.Fatalf("director approve: %d", s)
		}
	}
	for _, p := range ps {
		p.drafter.waitStatus(p.id, 2025, "published", "")
	}
	index, _, _ := siteObject(t, "reports/index.html")
	for _, name := range []string{"东区应急管理局", "西区应急管理局"} {
		if !strings.Contains(string(index), name) {
			t.Errorf("the site index lacks %s", name)
		}
	}
}

func TestCorrectionPublishedWithItsRecord(t *testing.T) {
	fresh(t, agencyYAML("ag12", "丑区应急管理局", 60, 3))
	drafter, _ := submitSample(t, "ag12")
	approveAll(t, "ag12", 1)
	v := drafter.waitStatus("ag12", 2025, "published", "")

	doc := sampleDoc(t, 2025)
	doc["sections"].(map[string]any)["other"] = "本年度未收取信息处理费。更正：补充说明。"
	if r := drafter.save("ag12", 2025, doc, v.ETag); r.status != http.StatusOK {
		t.Fatalf("edit a published report: %d %s", r.status, r.body)
	}
	if r := drafter.submit("ag12", 2025, nil); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "更正原因") {
		t.Fatalf("correction without a reason: %d %s", r.status, r.body)
	}
	reason := "第六部分漏报信息处理费说明"
	if r := drafter.submit("ag12", 2025, map[string]string{"correction_reason": reason}); r.status != http.StatusAccepted {
		t.Fatalf("correction: %d %s", r.status, r.body)
	}
	// While the correction is in review the public still sees version 1.
	if pub := drafter.report("ag12", 2025); pub.Published != 1 {
		t.Errorf("published version during the correction's review: %d", pub.Published)
	}
	approveAll(t, "ag12", 2)
	v = drafter.waitStatus("ag12", 2025, "published", "")
	if v.Published != 2 {
		t.Fatalf("published version %d, want 2", v.Published)
	}
	page, _, _ := siteObject(t, "reports/ag12/2025/index.html")
	for _, want := range []string{"更正记录", reason, `href="v1/index.html"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the corrected page lacks %q", want)
		}
	}
	metaRaw, _, _ := siteObject(t, "reports/ag12/2025/meta.json")
	var meta struct {
		Version     int `json:"version"`
		Corrections []struct {
			Version int    `json:"version"`
			Reason  string `json:"reason"`
		} `json:"corrections"`
	}
	json.Unmarshal(metaRaw, &meta)
	if meta.Version != 2 || len(meta.Corrections) != 1 || meta.Corrections[0].Version != 1 || meta.Corrections[0].Reason != reason {
		t.Errorf("meta.json: %s", metaRaw)
	}
	// Version 1 stays published as it was.
	old, _, _ := siteObject(t, "reports/ag12/2025/v1/report.json")
	if strings.Contains(string(old), "更正：补充说明") {
		t.Error("version 1 was edited in place")
	}
}

// BenchmarkLifecycle is a full three-level lifecycle on the local stack: save, submit,
// three approvals from the mailbox links, published.
func BenchmarkLifecycle(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st.ResetT(b)
		s, _ := local.Store(context.Background(), st.Stack)
		f, _ := admin.Parse([]byte(agencyYAML("bench", "基准区应急管理局", 60, 3)))
		admin.Import(context.Background(), s, f)
		drafter := newClient(b, "drafter@bench.local")
		drafter.signIn()
		b.StartTimer()
		drafter.save("bench", 2025, sampleDoc(b, 2025), "")
		if r := drafter.submit("bench", 2025, nil); r.status != http.StatusAccepted {
			b.Fatalf("submit: %d", r.status)
		}
		approveAll(b, "bench", 1)
		drafter.waitStatus("bench", 2025, "published", "")
	}
}
