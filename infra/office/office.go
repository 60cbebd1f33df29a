// Package office runs LibreOffice and poppler for the tests of the filing copies: it
// converts .docx files to PDF with `soffice --headless --convert-to pdf` and reads a PDF
// back with pdftotext (its text, and each word's box with -bbox), so that tests check
// what a reader of the printed copy sees.
package office

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

const (
	// EnvSkip, set to 1, lets tests skip when LibreOffice or poppler is missing;
	// otherwise a missing tool fails the test, so CI cannot pass by testing nothing.
	EnvSkip = "NIANBAO_SKIP_OFFICE"
	// InstallCommand installs what these tests need on Debian.
	InstallCommand = "apt-get install -y libreoffice-writer-nogui poppler-utils"
)

// Need fails (or, with NIANBAO_SKIP_OFFICE=1, skips) the test when a tool is missing.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(EnvSkip) == "1" {
				t.Skipf("%s not found; skipped because %s=1", tool, EnvSkip)
			}
			t.Fatalf("%s not found. Install it with `%s`, or set %s=1 to skip these tests.", tool, InstallCommand, EnvSkip)
		}
	}
}

// ToPDF converts .docx files to PDF in one run of LibreOffice, with a profile of its
// own (so that parallel runs do not collide), and returns the PDFs' paths in order.
func ToPDF(ctx context.Context, dir string, docx ...string) ([]string, error) {
	profile, err := os.MkdirTemp("", "nianbao-soffice-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	args := append([]string{"-env:UserInstallation=file://" + profile, "--headless", "--norestore",
		"--convert-to", "pdf", "--outdir", dir}, docx...)
	cmd := exec.CommandContext(ctx, "soffice", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("soffice: %w\n%s", err, out.String())
	}
	var pdfs []string
	for _, d := range docx {
		p := filepath.Join(dir, strings.TrimSuffix(filepath.Base(d), filepath.Ext(d))+".pdf")
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			return nil, fmt.Errorf("soffice did not convert %s:\n%s", d, out.String())
		}
		pdfs = append(pdfs, p)
	}
	return pdfs, nil
}

// Text is the text of a PDF in the order it is drawn (pdftotext -raw).
func Text(pdf string) (string, error) {
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		return "", fmt.Errorf("pdftotext %s: %w", pdf, err)
	}
	return string(out), nil
}

// PageTexts is the text of each page of a PDF.
func PageTexts(pdf string) ([]string, error) {
	all, err := Text(pdf)
	if err != nil {
		return nil, err
	}
	pages := strings.Split(all, "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages, nil
}

// Page is one page of a PDF with the box of each word, in points from the top left.
type Page struct {
	Width, Height float64
	Words         []Word
}

// Word is one word pdftotext found, with its box.
type Word struct {
	Text                   string
	XMin, YMin, XMax, YMax float64
}

// Boxes reads every page's words and their boxes (pdftotext -bbox).
func Boxes(pdf string) ([]Page, error) {
	out, err := exec.Command("pdftotext", "-bbox", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		return nil, fmt.Errorf("pdftotext -bbox %s: %w", pdf, err)
	}
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	var pages []Page
	attr := func(se xml.StartElement, name string) float64 {
		for _, a := range se.Attr {
			if a.Name.Local == name {
				f, _ := strconv.ParseFloat(a.Value, 64)
				return f
			}
		}
		return 0
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read pdftotext -bbox: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "page":
			pages = append(pages, Page{Width: attr(se, "width"), Height: attr(se, "height")})
		case "word":
			var text string
			if err := dec.DecodeElement(&text, &se); err != nil {
				return nil, err
			}
			if len(pages) == 0 {
				continue
			}
			p := &pages[len(pages)-1]
			p.Words = append(p.Words, Word{Text: text, XMin: attr(se, "xMin"), YMin: attr(se, "yMin"), XMax: attr(se, "xMax"), YMax: attr(se, "yMax")})
		}
	}
	return pages, nil
}

// A4 is the size of an A4 page in points, portrait.
const A4W, A4H = 595.28, 841.89

// IsA4 reports whether a page is A4 portrait (within a point).
func (p Page) IsA4() bool {
	return abs(p.Width-A4W) < 1.5 && abs(p.Height-A4H) < 1.5
}

// Outside lists the words lying outside a page's margins (points: top, right, bottom,
// left), with a tolerance of a point.
func (p Page) Outside(top, right, bottom, left float64) []Word {
	var out []Word
	const tol = 1.0
	for _, w := range p.Words {
		if w.XMin < left-tol || w.XMax > p.Width-right+tol || w.YMin < top-tol || w.YMax > p.Height-bottom+tol {
			out = append(out, w)
		}
	}
	return out
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// Squeeze drops every space and line break, so that a label the page wrapped over
// lines reads as one.
func Squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// InOrder checks that the tokens occur in text in order (after Squeeze of both); it
// returns the index of the first token not found after the one before it, or -1.
func InOrder(text string, tokens []string) int {
	text = Squeeze(text)
	at := 0
	for i, tok := range tokens {
		tok = Squeeze(tok)
		if tok == "" {
			continue
		}
		j := strings.Index(text[at:], tok)
		if j < 0 {
			return i
		}
		at += j + len(tok)
	}
	return -1
}
