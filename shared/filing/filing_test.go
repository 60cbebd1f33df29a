package filing

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"nianbao/infra/office"
	"nianbao/shared/lifecycle"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

func fixture(t *testing.T, name string) (*report.Document, []byte) {
	t.Helper()
	raw, err := os.ReadFile("../report/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc, raw
}

// sampleSheet is the sheet of a version approved at three levels, the second with the
// 保密审查 attestation.
func sampleSheet(t *testing.T) *Sheet {
	t.Helper()
	doc, raw := fixture(t, "sample-2021.json")
	at := func(h, m int) time.Time { return time.Date(2026, 1, 20, h, m, 0, 0, render.Beijing()) }
	v := &store.Version{Agency: "demo", Year: doc.Year, Number: 2, Document: raw, SubmittedBy: "drafter@demo.local",
		SubmittedAt: at(9, 0), CorrectionReason: "更正表三的数字",
		Chain: []store.Level{
			{Name: "股室负责人", Approvers: []string{"section@demo.local"}},
			{Name: "办公室", Approvers: []string{"office@demo.local", "deputy@demo.local"}, ConfidentialityReview: true},
			{Name: "局长", Approvers: []string{"director@demo.local"}},
		}}
	aps := []*store.Approval{
		{State: store.ApprovalDecided, Decision: store.DecisionApprove, DecidedBy: "section@demo.local", DecidedAt: at(9, 30), Comment: "数字已核对"},
		{State: store.ApprovalDecided, Decision: store.DecisionApprove, DecidedBy: "deputy@demo.local", DecidedAt: at(10, 5), Comment: "同意", Attested: true},
		{State: store.ApprovalDecided, Decision: store.DecisionApprove, DecidedBy: "director@demo.local", DecidedAt: at(11, 45), Comment: "同意发布"},
	}
	tl := []store.AuditEntry{{At: at(10, 5), Actor: "deputy@demo.local", Action: store.ActionAttest, Version: 2, Level: "办公室", Comment: lifecycle.Attestation}}
	s, err := NewSheet(&store.Agency{ID: "demo", Name: doc.Agency}, v, aps, tl)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reportTokens is what a reader of the printed report reads, in order: the title, each
// section's heading and text, every label and every number of each table in the order
// of its layout, the notes, and the 落款.
func reportTokens(doc *report.Document, c render.Closing) []string {
	toks := []string{render.Title(doc.Agency, doc.Year)}
	for _, s := range doc.Spec().Sections {
		toks = append(toks, s.Heading)
		if s.Table == nil {
			toks = append(toks, paragraphs(doc.Text(s.Field))...)
			continue
		}
		g := doc.Grid(s.Table.Key)
		l := render.Layout(nil, s.Table)
		for _, rows := range append([][][]render.LayoutCell{l.Head}, l.Bodies...) {
			for _, row := range rows {
				for _, c := range row {
					if c.Column != nil {
						toks = append(toks, g.At(c.Row, c.Column).String())
					} else {
						toks = append(toks, c.Text)
					}
				}
			}
		}
		toks = append(toks, paragraphs(doc.Note(s.Table.Key))...)
	}
	return append(toks, c.Name, c.Date)
}

func sheetTokens(s *Sheet) []string {
	toks := []string{SheetTitle, "报告名称", s.Title, "机关", s.Agency, strconv.Itoa(s.Year) + "年度", "第" + strconv.Itoa(s.Version) + "版",
		s.SubmittedBy, DateTime(s.SubmittedAt), s.CorrectionReason, s.SHA256, "审批记录"}
	for _, l := range s.Levels {
		toks = append(toks, strconv.Itoa(l.Number), l.Name, l.By, l.Result, DateTime(l.At), l.Comment)
		if l.Review {
			toks = append(toks, l.AttestationLine(s.Attestation))
		}
	}
	toks = append(toks, "主要领导审核签发")
	return append(toks, SignatureLines...)
}

// TestWordCopiesOpenInLibreOffice converts the Word copy of each fixture and the 审批单
// to PDF with LibreOffice, once, and reads the PDFs back: A4 pages, no text outside the
// margins, every label and number in order, the 落款 last.
func TestWordCopiesOpenInLibreOffice(t *testing.T) {
	office.Need(t, "soffice", "pdftotext")
	dir := t.TempDir()
	type copyOf struct {
		name   string
		tokens []string
		last   []string
	}
	var copies []copyOf
	var files []string
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	approved := time.Date(2026, 1, 20, 11, 45, 0, 0, render.Beijing())
	for _, f := range []string{"chaoyang-emergency-2020", "sample-2021"} {
		doc, _ := fixture(t, f+".json")
		c := render.ClosingOf(doc, approved)
		data, err := Report(doc, c)
		if err != nil {
			t.Fatal(err)
		}
		write(f+".docx", data)
		copies = append(copies, copyOf{f, reportTokens(doc, c), []string{c.Name, c.Date}})
	}
	s := sampleSheet(t)
	data, err := SheetDocx(s)
	if err != nil {
		t.Fatal(err)
	}
	write("sheet.docx", data)
	copies = append(copies, copyOf{"sheet", sheetTokens(s), SignatureLines[len(SignatureLines)-1:]})

	pdfs, err := office.ToPDF(context.Background(), dir, files...)
	if err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("NIANBAO_ARTIFACTS"); out != "" {
		for _, p := range pdfs {
			if b, err := os.ReadFile(p); err == nil {
				os.WriteFile(filepath.Join(out, filepath.Base(p)), b, 0o644)
			}
		}
	}
	for i, c := range copies {
		pdf := pdfs[i]
		t.Run(c.name, func(t *testing.T) {
			text, err := office.Text(pdf)
			if err != nil {
				t.Fatal(err)
			}
			if i := office.InOrder(text, c.tokens); i >= 0 {
				t.Errorf("the PDF lacks %q (token %d of %d) after the ones before it:\n%s", c.tokens[i], i, len(c.tokens), text)
			}
			var lines []string
			for _, l := range strings.Split(text, "\n") {
				if l = office.Squeeze(l); l != "" && l != "\f" {
					lines = append(lines, strings.Trim(l, "\f"))
				}
			}
			if len(lines) < len(c.last) || strings.Join(lines[len(lines)-len(c.last):], "|") != office.Squeeze(strings.Join(c.last, "|")) {
				t.Errorf("the last text is %q, want %q", lines[max(0, len(lines)-3):], c.last)
			}
			pages, err := office.Boxes(pdf)
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) == 0 {
				t.Fatal("no pages")
			}
			const cm = 72 / 2.54
			for n, p := range pages {
				if !p.IsA4() {
					t.Errorf("page %d is %.1f×%.1f pt, not A4 portrait", n+1, p.Width, p.Height)
				}
				if out := p.Outside(2.54*cm, 3.17*cm, 2.54*cm, 3.17*cm); len(out) > 0 {
					t.Errorf("page %d: %d words outside the margins, first %+v", n+1, len(out), out[0])
				}
			}
		})
	}
}

// TestSheetReadsTheRecord checks the sheet's facts against the record it is made from.
func TestSheetReadsTheRecord(t *testing.T) {
	s := sampleSheet(t)
	if len(s.SHA256) != 64 || s.Version != 2 || len(s.Levels) != 3 {
		t.Fatalf("sheet %+v", s)
	}
	office := s.Levels[1]
	if !office.Review || !office.Attested || office.AttestedBy != "deputy@demo.local" || office.Result != "同意" {
		t.Errorf("level 办公室 %+v", office)
	}
	if !strings.Contains(office.AttestationLine(s.Attestation), lifecycle.Attestation) {
		t.Error("the attestation line lacks the sentence")
	}
	if !s.Approved() || !s.ApprovedAt().Equal(s.Levels[2].At) {
		t.Errorf("approved %v at %v", s.Approved(), s.ApprovedAt())
	}
	// A level returned, the next never reached.
	s.Levels[2].Decided, s.Levels[2].Result = false, "未送审"
	if s.Approved() || !s.ApprovedAt().IsZero() {
		t.Error("a sheet with a level undecided counts as approved")
	}
}

// TestWordCopyIsStable: the same document makes the same bytes (Publish may write a
// version twice).
func TestWordCopyIsStable(t *testing.T) {
	doc, _ := fixture(t, "sample-2021.json")
	c := render.ClosingOf(doc, time.Date(2026, 1, 20, 0, 0, 0, 0, render.Beijing()))
	a, err := Report(doc, c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Report(doc, c)
	if string(a) != string(b) {
		t.Error("two Word copies of one document differ")
	}
}
