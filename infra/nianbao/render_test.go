package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nianbao/shared/render"
)

func TestRenderCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "preview")
	fixture := filepath.Join("..", "..", "shared", "report", "testdata", "sample-2021.json")
	for range 2 { // a second run over the same folder replaces the files
		var stdout, stderr bytes.Buffer
		if code := dispatch(context.Background(), []string{"render", fixture, "-o", out}, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if got := strings.TrimSpace(stdout.String()); got != filepath.Join(out, "index.html") {
			t.Errorf("stdout %q", got)
		}
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{render.Title("示例市示例区应急管理局", 2025), `href="assets/` + render.StylesheetName + `"`, "预览"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "assets", render.StylesheetName)); err != nil {
		t.Errorf("stylesheet not beside the page: %v", err)
	}
	// The Word copy beside the page, linked from it.
	docx, err := zip.OpenReader(filepath.Join(out, "report.docx"))
	if err != nil {
		t.Fatalf("report.docx: %v", err)
	}
	defer docx.Close()
	f, err := docx.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(f)
	if !bytes.Contains(body, []byte("示例市示例区应急管理局")) || !bytes.Contains(page, []byte(`href="report.docx"`)) {
		t.Error("report.docx lacks the agency, or the page does not link it")
	}
}

// A gip-2021 report with requests.other renders, with one （六）其他处理 row.
func TestRenderCommandLegacyRow(t *testing.T) {
	out := filepath.Join(t.TempDir(), "preview")
	var stdout, stderr bytes.Buffer
	if code := dispatch(context.Background(), []string{"render", legacy, "-o", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(page, []byte("（六）其他处理")); n != 1 {
		t.Errorf("（六）其他处理 printed %d times, want once", n)
	}
	if bytes.Contains(page, []byte("3.其他")) {
		t.Error("the 2021 sub-rows are printed")
	}
}

func TestRenderCommandUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"format":"gip-2021","agency":"x","year":2025,"unknown":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	fixture := filepath.Join("..", "..", "shared", "report", "testdata", "sample-2021.json")
	for _, args := range [][]string{
		{"render"},
		{"render", fixture},
		{"render", "-o", t.TempDir()},
		{"render", filepath.Join(t.TempDir(), "missing.json"), "-o", t.TempDir()},
		{"render", bad, "-o", t.TempDir()},
		{"render", fixture, "extra", "-o", t.TempDir()},
	} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(context.Background(), args, &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %s)", args, code, exitUsage, stderr.String())
		}
		if stderr.Len() == 0 {
			t.Errorf("%q: nothing on stderr", args)
		}
	}
}
