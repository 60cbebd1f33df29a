package local_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"nianbao/shared/lifecycle"
	"nianbao/shared/store"
)

// Approvers away: substitutes (代理), reassignment and escalation.

// day is a 北京时间 date d days from today, as substitutions name them.
func day(d int) string { return lifecycle.Day(time.Now().AddDate(0, 0, d)) }

// timelineLabels are the API timeline's lines of one action, oldest first, as "actor_label comment".
func (c *client) timelineLabels(agency string, year int, action string) []string {
	c.t.Helper()
	r := c.api("GET", fmt.Sprintf("/api/reports/%s/%d", agency, year), nil, nil)
	var v struct {
		Timeline []struct {
			Action     string `json:"action"`
			Comment    string `json:"comment"`
			ActorLabel string `json:"actor_label"`
		} `json:"timeline"`
	}
	r.json(c.t, &v)
	// The API gives the newest line first; these tests read the record in its order.
	var out []string
	for i := len(v.Timeline) - 1; i >= 0; i-- {
		if e := v.Timeline[i]; e.Action == action {
			out = append(out, e.ActorLabel+" "+e.Comment)
		}
	}
	return out
}

// waitSubject waits for a mail to an address whose subject starts with prefix.
func waitSubject(t *testing.T, to, prefix string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, m := range mailsTo(to) {
			if strings.HasPrefix(m.Subject, prefix) {
				return m.Text
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s mail to %s; mailbox: %s", prefix, to, mailSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// postForm posts a form of the page (the first whose action is path) with its csrf
// field, as the browser would.
func (c *client) postForm(path string, page []byte, form url.Values) response {
	c.t.Helper()
	i := strings.Index(string(page), `action="`+path+`"`)
	if i < 0 {
		c.t.Fatalf("no form to %s in the page:\n%s", path, page)
	}
	form.Set("csrf", csrfOf(c.t, page[i:]))
	return c.do("POST", webURL(path), []byte(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// TestSubstituteDecides: while the director's substitution runs, the deputy is mailed
// a link of their own and decides in the director's place, recorded and shown as
// 「deputy（代 director）」 on the review and status pages, in the API's record and on the
// published version's 审批单; the director is mailed a copy. The office's substitution
// ended yesterday: its substitute is mailed nothing.
func TestSubstituteDecides(t *testing.T) {
	fresh(t, fmt.Sprintf(`
agencies:
  - id: aw1
    name: 甲区应急管理局
    reminder_seconds: 60
    max_reminders: 3
    chain:
      - { name: 股室负责人, approvers: [section@aw1.local] }
      - { name: 办公室, approvers: [office@aw1.local] }
      - { name: 局长, approvers: [director@aw1.local] }
users:
  - { email: drafter@aw1.local, agency: aw1, roles: [drafter] }
  - { email: director@aw1.local, agency: aw1, roles: [approver] }
  - { email: deputy@aw1.local, agency: aw1, roles: [approver] }
  - { email: office@aw1.local, agency: aw1, roles: [approver] }
  - { email: former@aw1.local, agency: aw1, roles: [approver] }
substitutes:
  - { approver: director@aw1.local, substitute: deputy@aw1.local, from: %s, to: %s }
  - { approver: office@aw1.local, substitute: former@aw1.local, from: %s, to: %s }
`, day(0), day(5), day(-10), day(-1)))
	drafter, _ := submitSample(t, "aw1")
	section := newApprover(t, "section@aw1.local")
	if r := section.decide(section.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("section approves: %d %s", r.status, r.body)
	}
	drafter.waitStatus("aw1", 2025, "in_review", "办公室")
	office := newApprover(t, "office@aw1.local")
	if r := office.decide(office.reviewLink(1), "approve", "", true); r.status != http.StatusSeeOther {
		t.Fatalf("office approves: %d %s", r.status, r.body)
	}
	drafter.waitStatus("aw1", 2025, "in_review", "局长")
	if got := mailsTo("former@aw1.local"); len(got) != 0 {
		t.Errorf("an ended substitution still mails: %s", mailSummary())
	}

	director, deputy := newApprover(t, "director@aw1.local"), newApprover(t, "deputy@aw1.local")
	own, theirs := director.reviewLink(1), deputy.reviewLink(1)
	if own == theirs {
		t.Fatal("the substitute got the director's link")
	}
	if text := waitSubject(t, "deputy@aw1.local", "【待审批】", 5*time.Second); !strings.Contains(text, "您是 director@aw1.local 的代理人") {
		t.Errorf("the substitute's mail does not say whom they stand in for:\n%s", text)
	}
	page := deputy.c.do("GET", theirs, nil, nil)
	if !strings.Contains(string(page.body), "审批人：deputy@aw1.local（代 director@aw1.local）") {
		t.Errorf("the substitute's review page:\n%.800s", page.body)
	}
	if r := deputy.decide(theirs, "approve", "局长出差，代为审批", false); r.status != http.StatusSeeOther {
		t.Fatalf("the substitute approves: %d %s", r.status, r.body)
	}
	drafter.waitStatus("aw1", 2025, "published", "")

	const label = "deputy@aw1.local（代 director@aw1.local）"
	// The review pages (both links) say who decided, for whom.
	for _, l := range []string{theirs, own} {
		page := deputy.c.do("GET", l, nil, nil)
		if !strings.Contains(string(page.body), `<dd id="decided-by">`+label+`</dd>`) {
			t.Errorf("review page %s after the decision:\n%.1200s", l, page.body)
		}
	}
	// The copy for the director's information.
	if text := waitSubject(t, "director@aw1.local", "【抄送】", 5*time.Second); !strings.Contains(text, "已由您的代理人 deputy@aw1.local 代您审批：同意") {
		t.Errorf("the director's copy:\n%s", text)
	}
	// The record: the API, the status page and the published version's 审批单.
	if got := drafter.timelineLabels("aw1", 2025, "approve"); len(got) != 3 || !strings.HasPrefix(got[2], label+" 局长出差") {
		t.Errorf("API approvals: %q", got)
	}
	status := drafter.do("GET", webURL("/reports/aw1/2025/status"), nil, nil)
	if !strings.Contains(string(status.body), label) {
		t.Errorf("the status page does not show %s:\n%.2000s", label, status.body)
	}
	sheet := drafter.do("GET", webURL("/reports/aw1/2025/versions/1/approval"), nil, nil)
	if sheet.status != http.StatusOK || !strings.Contains(string(sheet.body), label) {
		t.Errorf("the published version's 审批单: %d\n%.2000s", sheet.status, sheet.body)
	}
	// The substitute opens it through their own link too (they are not in the chain).
	if sheet := deputy.c.do("GET", theirs+"/approval", nil, nil); sheet.status != http.StatusOK || !strings.Contains(string(sheet.body), label) {
		t.Errorf("the 审批单 through the substitute's link: %d\n%.600s", sheet.status, sheet.body)
	}
}

// TestSubstituteRefusals: a loop of substitutes is refused on the page; a drafter who
// is an approver's substitute may not decide a version they submitted through that link.
func TestSubstituteRefusals(t *testing.T) {
	fresh(t, fmt.Sprintf(`
agencies:
  - id: aw2
    name: 乙区应急管理局
    reminder_seconds: 60
    max_reminders: 3
    chain:
      - { name: 股室负责人, approvers: [section@aw2.local, chief@aw2.local] }
      - { name: 局长, approvers: [director@aw2.local] }
  - id: aw3
    name: 丙区应急管理局
    chain:
      - { name: 局长, approvers: [outsider@other.local] }
users:
  - { email: drafter@aw2.local, agency: aw2, roles: [drafter, approver] }
  - { email: section@aw2.local, agency: aw2, roles: [approver] }
  - { email: chief@aw2.local, agency: aw2, roles: [approver] }
  - { email: director@aw2.local, agency: aw2, roles: [approver] }
  - { email: deputy@aw2.local, agency: aw2, roles: [approver] }
  - { email: outsider@other.local, agency: aw3, roles: [approver] }
  - { email: admin@aw3.local, agency: aw3, roles: [admin] }
  - { email: admin@aw2.local, agency: aw2, roles: [admin] }
substitutes:
  - { approver: section@aw2.local, substitute: drafter@aw2.local, from: %s, to: %s }
`, day(-1), day(3)))
	// The director names the deputy on their own page; the deputy then naming the
	// director for overlapping days would be a loop.
	director := newClient(t, "director@aw2.local")
	director.signIn()
	page := director.do("GET", webURL("/substitute"), nil, nil)
	if page.status != http.StatusOK {
		t.Fatalf("substitute page: %d %s", page.status, page.body)
	}
	if r := director.postForm("/substitute", page.body, url.Values{"substitute": {"deputy@aw2.local"}, "from": {day(0)}, "to": {day(7)}}); r.status != http.StatusSeeOther {
		t.Fatalf("name a substitute: %d %s", r.status, r.body)
	}
	page = director.do("GET", webURL("/substitute?done=1"), nil, nil)
	if !strings.Contains(string(page.body), "deputy@aw2.local") || !strings.Contains(string(page.body), "代理中") {
		t.Errorf("the page does not list the running substitution:\n%.1500s", page.body)
	}
	deputy := newClient(t, "deputy@aw2.local")
	deputy.signIn()
	page = deputy.do("GET", webURL("/substitute"), nil, nil)
	r := deputy.postForm("/substitute", page.body, url.Values{"substitute": {"director@aw2.local"}, "from": {day(2)}, "to": {day(3)}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "代理不能成环") {
		t.Errorf("a loop: %d %.600s", r.status, r.body)
	}
	// Nor from another agency, nor for someone else unless admin.
	r = deputy.postForm("/substitute", page.body, url.Values{"substitute": {"outsider@other.local"}, "from": {day(0)}, "to": {day(1)}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "不是本机关的用户") {
		t.Errorf("a substitute of another agency: %d %.600s", r.status, r.body)
	}
	r = deputy.postForm("/substitute", page.body, url.Values{"approver": {"chief@aw2.local"}, "substitute": {"section@aw2.local"}, "from": {day(0)}, "to": {day(1)}})
	if r.status != http.StatusForbidden {
		t.Errorf("naming someone else's substitute: %d %.600s", r.status, r.body)
	}

	// The drafter submits; as section's substitute they are mailed a link, which
	// refuses them; chief decides the level.
	drafter, _ := submitSample(t, "aw2")
	self := newApprover(t, "drafter@aw2.local")
	self.c = drafter
	l := self.reviewLink(1)
	body := string(drafter.do("GET", l, nil, nil).body)
	if !strings.Contains(body, `id="not-yours"`) || !strings.Contains(body, "由您提交") || strings.Contains(body, `value="approve"`) {
		t.Errorf("the submitter's substitute link:\n%.800s", body)
	}
	if r := self.post(l, url.Values{"csrf": {"x"}, "decision": {"approve"}}); r.status != http.StatusForbidden {
		t.Errorf("the submitter's post through a substitute link: %d", r.status)
	}
	if v := drafter.report("aw2", 2025); v.Level == nil || *v.Level != "股室负责人" {
		t.Fatalf("the report moved: %+v", v)
	}
	chief := newApprover(t, "chief@aw2.local")
	if r := chief.decide(chief.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("chief approves: %d %s", r.status, r.body)
	}
	drafter.waitStatus("aw2", 2025, "in_review", "局长")
}

// TestReassign: the admin moves a pending approval to another approver with a reason;
// the old link closes at once saying to whom and why; the new one decides.
func TestReassign(t *testing.T) {
	fresh(t, agencyYAML("aw4", "丁区应急管理局", 60, 3)+`
  - { email: admin@aw4.local, agency: aw4, roles: [admin] }
  - { email: acting@aw4.local, agency: aw4, roles: [approver] }
`)
	drafter, _ := submitSample(t, "aw4")
	section := newApprover(t, "section@aw4.local")
	old := section.reviewLink(1)
	oldPage := section.c.do("GET", old, nil, nil)

	// Only the admin may.
	drafter2 := newClient(t, "drafter@aw4.local")
	drafter2.signIn()
	if r := drafter2.do("GET", webURL("/reassign"), nil, nil); r.status != http.StatusForbidden {
		t.Errorf("a drafter's reassign page: %d", r.status)
	}
	admin := newClient(t, "admin@aw4.local")
	admin.signIn()
	page := admin.do("GET", webURL("/reassign"), nil, nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "当前审批人：section@aw4.local") {
		t.Fatalf("reassign page: %d\n%.1500s", page.status, page.body)
	}
	action := regexpAction.FindStringSubmatch(string(page.body))
	if action == nil {
		t.Fatalf("no reassign form:\n%s", page.body)
	}
	if r := admin.postForm(action[1], page.body, url.Values{"to": {"acting@aw4.local"}, "reason": {""}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("without a reason: %d", r.status)
	}
	if r := admin.postForm(action[1], page.body, url.Values{"to": {"drafter@aw4.local"}, "reason": {"出差"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("to a drafter: %d", r.status)
	}
	if r := admin.postForm(action[1], page.body, url.Values{"to": {"acting@aw4.local"}, "reason": {"股室负责人出差"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reassign: %d %s", r.status, r.body)
	}
	// The old link: closed, with its reason, and a post through the page read before refused.
	body := string(section.c.do("GET", old, nil, nil).body)
	if !strings.Contains(body, "改派给 acting@aw4.local，原因：股室负责人出差") || strings.Contains(body, `value="approve"`) {
		t.Errorf("the old link after the reassignment:\n%.1000s", body)
	}
	if r := section.post(old, url.Values{"csrf": {csrfOf(t, oldPage.body)}, "decision": {"approve"}}); r.status != http.StatusConflict {
		t.Errorf("a decision through the old link: %d %.300s", r.status, r.body)
	}
	if r := section.c.do("GET", old+"/approval", nil, nil); r.status != http.StatusForbidden {
		t.Errorf("the 审批单 through the old link: %d", r.status)
	}
	acting := newApprover(t, "acting@aw4.local")
	if r := acting.decide(acting.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("the new approver approves: %d %s", r.status, r.body)
	}
	drafter.waitStatus("aw4", 2025, "in_review", "办公室")
	if got := drafter.timelineLabels("aw4", 2025, "reassign"); len(got) != 1 || !strings.Contains(got[0], "由 section@aw4.local 改派给 acting@aw4.local，原因：股室负责人出差") {
		t.Errorf("the record of the reassignment: %q", got)
	}
}

// TestEscalation: after the level's last reminder the approval is offered to its
// escalate_to (recorded, the approver told), who decides; the report goes on and is
// published instead of being returned as overdue. (A substitution named while the level
// waits is mailed with its reminder.)
func TestEscalation(t *testing.T) {
	s := fresh(t, `
agencies:
  - id: aw5
    name: 戊区应急管理局
    reminder_seconds: 3
    max_reminders: 1
    chain:
      - { name: 股室负责人, approvers: [section@aw5.local], escalate_to: lead@aw5.local }
      - { name: 办公室, approvers: [office@aw5.local] }
  - id: aw6
    name: 己区应急管理局
    chain:
      - { name: 局长, approvers: [drafter@aw6.local], escalate_to: lead@aw6.local }
users:
  - { email: drafter@aw5.local, agency: aw5, roles: [drafter] }
  - { email: drafter@aw6.local, agency: aw6, roles: [drafter, approver] }
`)
	// The submit-time check counts escalate_to: a level whose only approver submits is
	// staffed by its escalation address.
	// (submitSample fails the test unless the submission is accepted.)
	submitSample(t, "aw6")
	drafter, _ := submitSample(t, "aw5")
	section := newApprover(t, "section@aw5.local")
	section.reviewLink(1)
	// A substitution named while the approval waits: its substitute is asked with the
	// reminder, with a link of their own.
	if err := s.PutSubstitute(context.Background(), store.Substitute{Agency: "aw5", Approver: "section@aw5.local",
		Substitute: "away@aw5.local", From: day(0), To: day(1)}); err != nil {
		t.Fatal(err)
	}
	waitSubject(t, "section@aw5.local", "【催办】", 15*time.Second)
	if text := waitSubject(t, "away@aw5.local", "【待审批】", 5*time.Second); !strings.Contains(text, "您是 section@aw5.local 的代理人") {
		t.Errorf("the substitute named late:\n%s", text)
	}
	if text := waitSubject(t, "section@aw5.local", "【已提交上级】", 15*time.Second); !strings.Contains(text, "已提交 lead@aw5.local 审批") {
		t.Errorf("the approver's notice:\n%s", text)
	}
	lead := newApprover(t, "lead@aw5.local")
	if r := lead.decide(lead.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("the escalation approves: %d %s", r.status, r.body)
	}
	drafter.waitStatus("aw5", 2025, "in_review", "办公室")
	office := newApprover(t, "office@aw5.local")
	if r := office.decide(office.reviewLink(1), "approve", "", true); r.status != http.StatusSeeOther {
		t.Fatalf("office approves: %d %s", r.status, r.body)
	}
	drafter.waitStatus("aw5", 2025, "published", "")
	if got := drafter.timelineLabels("aw5", 2025, "escalate"); len(got) != 1 || !strings.Contains(got[0], "已提交 lead@aw5.local 审批") {
		t.Errorf("the record of the escalation: %q", got)
	}
	if got := drafter.timelineLabels("aw5", 2025, "approve"); len(got) != 2 || !strings.HasPrefix(got[0], "lead@aw5.local") {
		t.Errorf("approvals: %q", got)
	}
}

var regexpAction = regexp.MustCompile(`action="(/reassign/[^"]+)"`)
