package local_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSeparationOfDuties: the submitter of a version decides no level of it, and no one
// decides two levels of one version. Their review pages say why without the buttons, and
// a post made anyway is refused with the same words; someone else then decides.
func TestSeparationOfDuties(t *testing.T) {
	fresh(t, `
agencies:
  - id: ag14
    name: 子区应急管理局
    office_email: office@ag14.local
    reminder_seconds: 60
    max_reminders: 3
    chain:
      - { name: 股室负责人, approvers: [clerk@ag14.local, section@ag14.local] }
      - { name: 办公室, approvers: [clerk@ag14.local, section@ag14.local, office@ag14.local] }
      - { name: 局长, approvers: [clerk@ag14.local, director@ag14.local] }
  - id: ag15
    name: 丑区应急管理局
    chain:
      - { name: 股室负责人, approvers: [section@ag15.local] }
      - { name: 办公室, approvers: [clerk@ag15.local] }
users:
  - { email: clerk@ag14.local, agency: ag14, roles: [drafter, approver] }
  - { email: clerk@ag15.local, agency: ag15, roles: [drafter, approver] }
`)
	// clerk@ submits: every level has them, and refuses them.
	clerk := newClient(t, "clerk@ag14.local")
	clerk.signIn()
	if r := clerk.save("ag14", 2025, sampleDoc(t, 2025), ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := clerk.submit("ag14", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	self := newApprover(t, "clerk@ag14.local")
	refused := func(a *approver, link, words string) {
		t.Helper()
		page := a.c.do("GET", link, nil, nil)
		body := string(page.body)
		if page.status != http.StatusOK || !strings.Contains(body, `id="not-yours"`) || !strings.Contains(body, words) {
			t.Fatalf("%s's review page: %d, want the reason %q\n%.600s", a.email, page.status, words, body)
		}
		if strings.Contains(body, `value="approve"`) || strings.Contains(body, `name="csrf"`) {
			t.Errorf("%s's review page still has the decision form", a.email)
		}
		// A post made anyway (with a token taken from nowhere: there is none on the page).
		r := a.post(link, url.Values{"csrf": {"x"}, "decision": {"approve"}, "attest": {"1"}})
		if r.status != http.StatusForbidden || !strings.Contains(string(r.body), words) {
			t.Errorf("%s's post: %d %.300s", a.email, r.status, r.body)
		}
	}
	refused(self, self.reviewLink(1), "由您提交")

	section := newApprover(t, "section@ag14.local")
	if r := section.decide(section.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("section approves: %d %s", r.status, r.body)
	}
	clerk.waitStatus("ag14", 2025, "in_review", "办公室")
	// At 办公室: clerk@ (the submitter) and section@ (decided 股室负责人) are refused.
	refused(self, waitLinkTo(t, "clerk@ag14.local", 1, 1), "由您提交")
	refused(section, waitLinkTo(t, "section@ag14.local", 1, 1), "您已审批本版报告的「股室负责人」")
	if v := clerk.report("ag14", 2025); v.Level == nil || *v.Level != "办公室" {
		t.Fatalf("the report moved: %+v", v)
	}
	office := newApprover(t, "office@ag14.local")
	if r := office.decide(office.reviewLink(1), "approve", "", true); r.status != http.StatusSeeOther {
		t.Fatalf("office approves: %d %s", r.status, r.body)
	}
	clerk.waitStatus("ag14", 2025, "in_review", "局长")
	refused(self, waitLinkTo(t, "clerk@ag14.local", 1, 2), "由您提交")
	director := newApprover(t, "director@ag14.local")
	if r := director.decide(director.reviewLink(1), "approve", "", false); r.status != http.StatusSeeOther {
		t.Fatalf("director approves: %d %s", r.status, r.body)
	}
	clerk.waitStatus("ag14", 2025, "published", "")

	// A chain whose 办公室 has only the submitter: refused at submit, naming the level.
	c15 := newClient(t, "clerk@ag15.local")
	c15.signIn()
	c15.save("ag15", 2025, sampleDoc(t, 2025), "")
	r := c15.submit("ag15", 2025, nil)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "「办公室」没有可以审批") {
		t.Errorf("submit with an unstaffed level: %d %s", r.status, r.body)
	}
	if v := c15.report("ag15", 2025); v.Status != "draft" || v.Version != 0 {
		t.Errorf("after the refused submission: %s v%d", v.Status, v.Version)
	}
}

// waitLinkTo waits for the n-th approval request of a version mailed to an address (0:
// the first) and returns its link.
func waitLinkTo(t *testing.T, to string, version, n int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var links []string
		for _, m := range mailsTo(to) {
			if strings.HasPrefix(m.Subject, "【待审批】") && strings.Contains(m.Subject, fmt.Sprintf("（第 %d 版）", version)) {
				links = append(links, link(m, "/review/"))
			}
		}
		if n < len(links) {
			return links[n]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d approval requests, want the %d-th; mailbox: %s", to, len(links), n+1, mailSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
