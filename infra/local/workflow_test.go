package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/infra/local"
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
	drafter := newClient(t, "drafter@ag1.local")
	drafter.signIn()
	if r := drafter.save("ag1", 2025, sampleDoc(t, 2025), ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := drafter.submit("ag1", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
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
	drafter := newClient(t, "drafter@ag2.local")
	drafter.signIn()
	r := drafter.save("ag2", 2025, sampleDoc(t, 2025), "")
	etag := r.header.Get("ETag")
	if r := drafter.submit("ag2", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
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
	r = drafter.save("ag2", 2025, doc, etag)
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

var _ = fmt.Sprint
