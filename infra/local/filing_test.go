package local_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// docxText is the text of word/document.xml of a .docx, failing when it is not one.
func docxText(t testing.TB, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a .docx: %v", err)
	}
	f, err := zr.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return string(b)
}

// TestFilingCopiesOpenForDraftersAndApproversOnly: the Word copy and the 审批单 of a
// version open for its agency's drafter, for its approvers (signed in, or through their
// review link), and for nobody else.
func TestFilingCopiesOpenForDraftersAndApproversOnly(t *testing.T) {
	fresh(t, agencyYAML("ag30", "甲区应急管理局", 3600, 3)+"  - { email: section@ag30.local, agency: ag30, roles: [approver] }\n",
		agencyYAML("ag31", "乙区应急管理局", 3600, 3))
	drafter, _ := submitSample(t, "ag30")
	section := newApprover(t, "section@ag30.local")
	review := section.reviewLink(1)
	if r := section.decide(review, "approve", "数字已核对", false); r.status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	drafter.waitStatus("ag30", 2025, "in_review", "办公室")

	base := "/reports/ag30/2025/versions/1/"
	files := []string{"report.docx", "approval", "approval.docx"}
	check := func(t *testing.T, who string, r response, file string) {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", who, file, r.status, r.body)
		}
		switch file {
		case "approval":
			page := string(r.body)
			for _, want := range []string{"审批单", "甲区应急管理局", "股室负责人", "section@ag30.local", "同意", "数字已核对", "办公室", "待审批", "签发人（签字）"} {
				if !strings.Contains(page, want) {
					t.Errorf("%s: the 审批单 lacks %q", who, want)
				}
			}
		default:
			if ct := r.header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
				t.Errorf("%s %s: Content-Type %q", who, file, ct)
			}
			if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''") {
				t.Errorf("%s %s: Content-Disposition %q", who, file, cd)
			}
			text := docxText(t, r.body)
			want := "甲区应急管理局2025年度政府信息公开工作年度报告"
			if file == "approval.docx" {
				want = "数字已核对"
			}
			if !strings.Contains(text, want) {
				t.Errorf("%s %s lacks %q", who, file, want)
			}
		}
	}

	t.Run("drafter", func(t *testing.T) {
		for _, f := range files {
			check(t, "drafter", drafter.do("GET", webURL(base+f), nil, nil), f)
		}
		status := string(drafter.do("GET", webURL("/reports/ag30/2025/status"), nil, nil).body)
		for _, f := range []string{"report.docx", "approval"} {
			if !strings.Contains(status, `href="`+base+f+`"`) {
				t.Errorf("the status page does not link %s", f)
			}
		}
		if r := drafter.do("GET", webURL("/reports/ag30/2025/versions/9/approval"), nil, nil); r.status != http.StatusNotFound {
			t.Errorf("a version never submitted: %d", r.status)
		}
	})
	t.Run("approver by the review link", func(t *testing.T) {
		page := string(section.c.do("GET", review, nil, nil).body)
		for _, f := range files[:2] {
			if !strings.Contains(page, review[strings.Index(review, "/review/"):]+"/"+f) {
				t.Errorf("the review page does not link %s", f)
			}
			check(t, "approver", section.c.do("GET", review+"/"+f, nil, nil), f)
		}
		check(t, "approver", section.c.do("GET", review+"/approval.docx", nil, nil), "approval.docx")
		forged := review[:len(review)-4] + "AAAA"
		if r := section.c.do("GET", forged+"/report.docx", nil, nil); r.status != http.StatusNotFound {
			t.Errorf("a forged review link: %d", r.status)
		}
	})
	t.Run("approver signed in", func(t *testing.T) {
		c := newClient(t, "section@ag30.local")
		c.signIn()
		for _, f := range files {
			check(t, "signed-in approver", c.do("GET", webURL(base+f), nil, nil), f)
		}
	})
	t.Run("another agency's drafter", func(t *testing.T) {
		other := newClient(t, "drafter@ag31.local")
		other.signIn()
		for _, f := range files {
			if r := other.do("GET", webURL(base+f), nil, nil); r.status != http.StatusForbidden || bytes.Contains(r.body, []byte("PK")) {
				t.Errorf("%s: %d", f, r.status)
			}
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		anon := newClient(t, "nobody@example.com")
		for _, f := range files {
			r := anon.do("GET", webURL(base+f), nil, nil)
			if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "请先登录") {
				t.Errorf("%s: %d", f, r.status)
			}
		}
	})
}
