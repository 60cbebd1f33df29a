package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nianbao/shared/render"
	"nianbao/shared/report"
)

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "report", "testdata", "sample-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := render.Page(&page, doc, nil, render.PageOptions{}); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "report.html")
	os.WriteFile(full, page.Bytes(), 0o644)
	// A copy of the page with one cell that holds no number.
	broken := filepath.Join(dir, "broken.htm")
	os.WriteFile(broken, bytes.Replace(page.Bytes(), []byte(`<td class="n">21</td>`), []byte(`<td class="n">见附表</td>`), 1), 0o644)
	notReport := filepath.Join(dir, "notice.html")
	os.WriteFile(notReport, []byte(`<html><body><p>关于开展安全检查的通知</p></body></html>`), 0o644)

	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := dispatch(context.Background(), append([]string{"import"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	out := filepath.Join(dir, "out.json")
	if code, stdout, stderr := run(full, "-o", out); code != exitOK || strings.TrimSpace(stdout) != out {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	back, err := report.DecodeBytes(got)
	if err != nil {
		t.Fatalf("the imported file is not a report document: %v", err)
	}
	if back.Requests.Get("new", "natural_person").String() != "21" || back.Agency != doc.Agency || back.Year != doc.Year {
		t.Errorf("imported %s %d, new.natural_person %q", back.Agency, back.Year, back.Requests.Get("new", "natural_person"))
	}

	code, stdout, stderr := run(broken, "--year", "2025", "--format", "gip-2021")
	if code != exitFailed {
		t.Errorf("a cell not read: exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(stderr, "表三「一、本年新收政府信息公开申请数量」行「自然人」列「见附表」") {
		t.Errorf("stderr does not name the cell:\n%s", stderr)
	}
	if _, err := report.DecodeBytes([]byte(stdout)); err != nil {
		t.Errorf("stdout is not a report document: %v", err)
	}

	if code, _, stderr := run(notReport); code != exitUsage || !strings.Contains(stderr, "没有年度报告的表格") {
		t.Errorf("not a report: exit %d, stderr %s", code, stderr)
	}
	if code, _, _ := run(full, "--format", "gip-2030"); code != exitUsage {
		t.Errorf("unknown format: exit %d", code)
	}
}
