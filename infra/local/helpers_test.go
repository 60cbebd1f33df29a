package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"nianbao/infra/local"
	"nianbao/infra/stack"
	"nianbao/infra/stack/stacktest"
	"nianbao/shared/admin"
	"nianbao/shared/approval"
	"nianbao/shared/store"
)

var st *stacktest.Stack

func TestMain(m *testing.M) {
	os.Exit(stacktest.Main(m, withPublishTimeouts(local.Options()), &st))
}

// agencyYAML is an agency with the demo chain and short intervals, for one test.
func agencyYAML(id, name string, reminderSeconds, maxReminders int) string {
	return fmt.Sprintf(`
agencies:
  - id: %[1]s
    name: %[2]s
    office_email: office@%[1]s.local
    reminder_seconds: %[3]d
    max_reminders: %[4]d
    chain:
      - { name: 股室负责人, approvers: [section@%[1]s.local] }
      - { name: 办公室, approvers: [office@%[1]s.local, deputy@%[1]s.local] }
      - { name: 局长, approvers: [director@%[1]s.local] }
users:
  - { email: drafter@%[1]s.local, agency: %[1]s, roles: [drafter] }
`, id, name, reminderSeconds, maxReminders)
}

// fresh resets the stack and imports agencies for one test.
func fresh(t *testing.T, yamls ...string) *store.Store {
	t.Helper()
	st.ResetT(t)
	s, err := local.Store(context.Background(), st.Stack)
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range yamls {
		f, err := admin.Parse([]byte(y))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Import(context.Background(), s, f); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// client is one person's browser: a cookie jar and no automatic redirects.
type client struct {
	t     testing.TB
	email string
	http  *http.Client
}

func newClient(t testing.TB, email string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, email: email, http: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func webURL(path string) string { return strings.TrimSuffix(st.WebURL, "/") + path }

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
}

func (c *client) do(method, url string, body []byte, header map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (c *client) api(method, path string, body any, header map[string]string) response {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return c.do(method, webURL(path), raw, h)
}

// waitMail waits for a message to `to` whose first link contains linkPart, sent after
// `after` messages to that address had already arrived.
func waitMail(t testing.TB, to, linkPart string, skip int) stack.Mail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		seen := 0
		for _, m := range st.Mailbox() {
			if !contains(m.To, to) || !hasLink(m, linkPart) {
				continue
			}
			if seen == skip {
				return m
			}
			seen++
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail %d to %s with a %q link; mailbox: %s", skip+1, to, linkPart, mailSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mailsTo lists the mail sent to an address so far.
func mailsTo(to string) []stack.Mail {
	var out []stack.Mail
	for _, m := range st.Mailbox() {
		if contains(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

func mailSummary() string {
	var b strings.Builder
	for _, m := range st.Mailbox() {
		fmt.Fprintf(&b, "\n  %v %s", m.To, m.Subject)
	}
	return b.String()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func hasLink(m stack.Mail, part string) bool { return link(m, part) != "" }

func link(m stack.Mail, part string) string {
	for _, l := range m.Links {
		if strings.Contains(l, part) {
			return l
		}
	}
	return ""
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t testing.TB, page []byte) string {
	t.Helper()
	m := csrfPattern.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", page)
	}
	return string(m[1])
}

// signIn signs the client in through the mailbox, as a person would.
func (c *client) signIn() {
	t := c.t
	t.Helper()
	before := 0 // sign-in mails already there (an approver has others too)
	for _, m := range mailsTo(c.email) {
		if hasLink(m, "/login/") {
			before++
		}
	}
	if r := c.api("POST", "/api/auth/link", map[string]string{"email": c.email}, nil); r.status != http.StatusAccepted {
		t.Fatalf("request sign-in link: %d %s", r.status, r.body)
	}
	m := waitMail(t, c.email, "/login/", before)
	l := link(m, "/login/")
	page := c.do("GET", l, nil, nil)
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "登录") {
		t.Fatalf("sign-in page: %d %s", page.status, page.body)
	}
	r := c.do("POST", l, []byte("csrf="+url.QueryEscape(csrfOf(t, page.body))), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
}

// sampleDoc is the full gip-2021 fixture for a year, with the agency left for the API
// to fill in.
func sampleDoc(t testing.TB, year int) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../../shared/report/testdata/sample-2021.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["agency"] = ""
	doc["year"] = year
	return doc
}

// reportView is the part of GET /api/reports/{agency}/{year} the tests read.
type reportView struct {
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	Level       *string
	Version     int    `json:"version"`
	Published   int    `json:"published_version"`
	ETag        string `json:"etag"`
	Comment     string `json:"comment"`
	URL         string `json:"url"`
	Timeline    []struct {
		Actor, Action, Level, Comment string
	} `json:"timeline"`
}

func (c *client) report(agency string, year int) reportView {
	c.t.Helper()
	r := c.api("GET", fmt.Sprintf("/api/reports/%s/%d", agency, year), nil, nil)
	if r.status != http.StatusOK {
		c.t.Fatalf("get report: %d %s", r.status, r.body)
	}
	var v reportView
	r.json(c.t, &v)
	return v
}

// waitStatus polls a report until it has a status (and, when level is set, waits at
// that level).
func (c *client) waitStatus(agency string, year int, status, level string) reportView {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := c.report(agency, year)
		if v.Status == status && (level == "" || (v.Level != nil && *v.Level == level)) {
			return v
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("report %s/%d is %s at %v, want %s %s; mailbox: %s", agency, year, v.Status, v.Level, status, level, mailSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// save PUTs a draft with an If-Match (empty: none) and returns the new ETag.
func (c *client) save(agency string, year int, doc any, ifMatch string) response {
	c.t.Helper()
	h := map[string]string{}
	if ifMatch != "" {
		h["If-Match"] = ifMatch
	}
	return c.api("PUT", fmt.Sprintf("/api/reports/%s/%d", agency, year), doc, h)
}

func (c *client) submit(agency string, year int, body any) response {
	c.t.Helper()
	return c.api("POST", fmt.Sprintf("/api/reports/%s/%d/submit", agency, year), body, nil)
}

// submitSample signs the agency's drafter in, saves the sample report for 2025 and
// submits it: version 1 is in review. It returns the drafter and the draft's ETag.
func submitSample(t testing.TB, agency string) (*client, string) {
	t.Helper()
	drafter := newClient(t, "drafter@"+agency+".local")
	drafter.signIn()
	r := drafter.save(agency, 2025, sampleDoc(t, 2025), "")
	if r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := drafter.submit(agency, 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	return drafter, r.header.Get("ETag")
}

// approver is someone deciding from their mail.
type approver struct {
	t     testing.TB
	email string
	c     *client
}

func newApprover(t testing.TB, email string) *approver {
	return &approver{t: t, email: email, c: newClient(t, email)}
}

// reviewLink waits for the approval request of a version (not a reminder) mailed to
// the approver.
func (a *approver) reviewLink(version int) string {
	a.t.Helper()
	const want = "【待审批】"
	ver := fmt.Sprintf("（第 %d 版）", version)
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range mailsTo(a.email) {
			if strings.HasPrefix(m.Subject, want) && strings.Contains(m.Subject, ver) {
				return link(m, "/review/")
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("no approval request of version %d to %s; mailbox: %s", version, a.email, mailSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// decide opens the link and posts a decision through the page's form.
func (a *approver) decide(link, decision, comment string, attest bool) response {
	a.t.Helper()
	page := a.c.do("GET", link, nil, nil)
	if page.status != http.StatusOK {
		a.t.Fatalf("review page: %d %s", page.status, page.body)
	}
	form := url.Values{"csrf": {csrfOf(a.t, page.body)}, "decision": {decision}, "comment": {comment}}
	if attest {
		form.Set("attest", "1")
	}
	return a.post(link, form)
}

func (a *approver) post(link string, form url.Values) response {
	a.t.Helper()
	return a.c.do("POST", link, []byte(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// submitBehindTheAPI writes a version and starts its execution directly, as a script
// or a bug past the API could: the state machine must catch what the API would have.
func submitBehindTheAPI(ctx context.Context, s *store.Store, agency string, year int, doc []byte) error {
	r, err := s.GetReport(ctx, agency, year)
	if err != nil {
		return err
	}
	ag, err := s.GetAgency(ctx, agency)
	if err != nil {
		return err
	}
	n := r.Version + 1
	if err := s.Submit(ctx, store.Submission{Rev: r.Rev, Version: store.Version{
		Agency: agency, Year: year, Number: n, Document: doc, SubmittedBy: "drafter@" + agency + ".local",
		Chain: ag.Chain, Settings: ag.Settings,
	}}); err != nil {
		return err
	}
	_, err = st.StartExecution(ctx, "ApprovalStateMachine", approval.Input{
		Agency: agency, Year: year, Version: n, LevelCount: len(ag.Chain),
		ReminderSeconds: ag.Settings.ReminderSeconds, MaxReminders: ag.Settings.MaxReminders,
	})
	return err
}
