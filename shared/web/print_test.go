package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nianbao/infra/browser"
	"nianbao/infra/office"
	"nianbao/shared/filing"
	"nianbao/shared/lifecycle"
	"nianbao/shared/render"
	"nianbao/shared/store"
)

// longSheet is a 审批单 of five levels with long comments, so that its table of levels
// spans pages.
func longSheet(t *testing.T) *filing.Sheet {
	t.Helper()
	raw, err := os.ReadFile("../report/testdata/sample-2021.json")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 20, 9, 0, 0, 0, render.Beijing())
	v := &store.Version{Agency: "demo", Year: 2025, Number: 3, Document: raw, SubmittedBy: "drafter@demo.local", SubmittedAt: at}
	var aps []*store.Approval
	var tl []store.AuditEntry
	for i := range store.MaxLevels {
		name := "第" + strconv.Itoa(i+1) + "级审批环节"
		v.Chain = append(v.Chain, store.Level{Name: name, Approvers: []string{"a" + strconv.Itoa(i) + "@demo.local"}, ConfidentialityReview: i == 1})
		when := at.Add(time.Duration(i+1) * time.Hour)
		aps = append(aps, &store.Approval{State: store.ApprovalDecided, Decision: store.DecisionApprove, DecidedBy: "a" + strconv.Itoa(i) + "@demo.local",
			DecidedAt: when, Comment: strings.Repeat("经核对，报告所列数据与台账一致，文字表述准确，同意。", 14), Attested: i == 1})
		if i == 1 {
			tl = append(tl, store.AuditEntry{At: when, Actor: "a1@demo.local", Action: store.ActionAttest, Version: 3, Level: name, Comment: lifecycle.Attestation})
		}
	}
	s, err := filing.NewSheet(&store.Agency{ID: "demo", Name: "示例市示例区应急管理局"}, v, aps, tl)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBrowserPrintsTheSheet prints the 审批单 page to PDF in Chromium: A4, the header of
// the table of levels on every page with a level, each level's decision and the
// attestation, no links or buttons, and the signature lines last.
func TestBrowserPrintsTheSheet(t *testing.T) {
	office.Need(t, "pdftotext")
	s := longSheet(t)
	var page bytes.Buffer
	view := filingView{layout: layout{Title: filing.SheetTitle, User: &store.User{Email: "drafter@demo.local"}, SignOut: "x"}, Sheet: s,
		DocxHref: "report.docx", SheetDocx: "approval.docx", BackHref: "/", BackText: "返回审批进度", Signatures: filing.SignatureLines}
	if err := pageTemplates.ExecuteTemplate(&page, "approval.html", view); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(render.Assets())))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFiles())))
	mux.HandleFunc("GET /sheet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page.Bytes())
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	artifacts := browser.ArtifactDirForTest(t)
	b := browser.ForTest(t, browser.Options{Width: 1280, Height: 900})
	if err := b.Navigate(srv.URL + "/sheet"); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(b.Context(), chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts, "sheet-print.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	boxes, err := office.Boxes(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range boxes {
		if !p.IsA4() {
			t.Errorf("page %d is %.0f×%.0f pt", i+1, p.Width, p.Height)
		}
	}
	pages, err := office.PageTexts(path)
	if err != nil {
		t.Fatal(err)
	}
	all := office.Squeeze(strings.Join(pages, ""))
	var want []string
	for _, l := range s.Levels {
		want = append(want, l.Name, l.By, l.Result, render.DateTime(l.At))
		if l.Review {
			want = append(want, l.AttestationLine(s.Attestation))
		}
	}
	if i := office.InOrder(all, want); i >= 0 {
		t.Errorf("the print lacks %q in order", want[i])
	}
	for _, gone := range []string{"下载", "返回审批进度", "退出", "drafter@demo.local·"} {
		if strings.Contains(all, office.Squeeze(gone)) {
			t.Errorf("the print shows %q", gone)
		}
	}
	if last := filing.SignatureLines[len(filing.SignatureLines)-1]; !strings.HasSuffix(all, office.Squeeze(last)) {
		t.Errorf("the print does not end with the signature lines: …%s", all[max(0, len(all)-90):])
	}
	head := []string{"序号", "审批环节", "审批人", "审批结果", "时间（北京时间）", "审批意见"}
	on := 0
	for i, p := range pages {
		sp := office.Squeeze(p)
		has := false
		for _, l := range s.Levels {
			has = has || strings.Contains(sp, l.Name)
		}
		if !has {
			continue
		}
		on++
		for _, h := range head {
			if !strings.Contains(sp, h) {
				t.Errorf("page %d has levels but not the header %q", i+1, h)
			}
		}
	}
	if on < 2 {
		t.Errorf("the levels are on %d page(s): the header's repetition went untested", on)
	}
}
