package importer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nianbao/infra/office"
)

// template is the official template as an office fills it in Word: the tables with the
// template's merged cells, blank cells empty, numbers as typed.
var template = portalStyle{
	cell:      func(s string) string { return s },
	number:    func(k int, s string) string { return s },
	blank:     "",
	labelCols: 3,
	paragraph: func(s string) string { return "<p>" + strings.ReplaceAll(s, "<", "&lt;") + "</p>" },
	heading:   func(s string) string { return "<p><b>" + s + "</b></p>" },
	bare:      true,
}

// toDocx converts HTML files to Word files with LibreOffice (the tables become Word
// tables with gridSpan and vMerge, as Word saves merged cells).
func toDocx(t *testing.T, dir string, files ...string) []string {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"-env:UserInstallation=file://" + profile, "--headless", "--norestore",
		"--infilter=HTML (StarWriter)", "--convert-to", "docx:MS Word 2007 XML", "--outdir", dir}, files...)
	out, err := exec.CommandContext(ctx, "soffice", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	var docx []string
	for _, f := range files {
		docx = append(docx, filepath.Join(dir, strings.TrimSuffix(filepath.Base(f), ".html")+".docx"))
	}
	return docx
}

// Word files of the official template, made by LibreOffice from pages written like the
// template (and one like the TRS portal page, table 四 split in two), import cell for cell.
func TestWordFromLibreOffice(t *testing.T) {
	office.Need(t, "soffice")
	dir := t.TempDir()
	var files []string
	styles := map[string]portalStyle{"template": template, "trs": trs}
	for _, name := range fixtures {
		for sn, st := range styles {
			st.bare = true
			p := filepath.Join(dir, sn+"-"+strings.TrimSuffix(name, ".json")+".html")
			if err := os.WriteFile(p, []byte(portalPage(portalDoc(t, name), st, "utf-8")), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
	}
	docx := toDocx(t, dir, files...)
	for i, f := range docx {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := fixtures[i/len(styles)]
			res := mustImport(t, f, data, Options{})
			if res.Kind != "docx" {
				t.Fatalf("kind = %q", res.Kind)
			}
			sameDocument(t, portalDoc(t, name), res.Doc)
		})
	}
}
