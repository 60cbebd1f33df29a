package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	sample   = "../../shared/report/testdata/sample-2021.json"
	chaoyang = "../../shared/report/testdata/chaoyang-emergency-2020.json"
	// A gip-2021 report printing the 2019 layout's one （六）其他处理 row (requests.other).
	legacy = "../../shared/report/testdata/legacy-2023.json"
)

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	broken := write("broken.json", strings.Replace(string(raw), `"total": 44`, `"total": 45`, 1))
	lastYear := write("2024.json", strings.Replace(strings.Replace(string(raw), `"year": 2025`, `"year": 2024`, 1), `"in_force": 12`, `"in_force": 11`, 1))
	wrongYear := write("2023.json", strings.Replace(string(raw), `"year": 2025`, `"year": 2023`, 1))
	malformed := write("malformed.json", "{\n  \"format\": \"gip-2021\",\n  \"year\": 20x5\n}")
	legacyRaw, err := os.ReadFile(legacy)
	if err != nil {
		t.Fatal(err)
	}
	// The （六） row one too many in 自然人: its row total and the 自然人 column's （七）总计 break.
	legacyBroken := write("legacy-broken.json", strings.Replace(string(legacyRaw), `"other": {
   "natural_person": 2`, `"other": {
   "natural_person": 3`, 1))
	otherAgency := write("other-agency-2024.json", strings.Replace(strings.Replace(string(raw), `"year": 2025`, `"year": 2024`, 1),
		`"agency": "示例市示例区应急管理局"`, `"agency": "示例市另一区应急管理局"`, 1))

	tests := []struct {
		name       string
		args       []string
		code       int
		wantRules  []string // rules of the findings (json output)
		wantOut    string   // in stdout
		wantStderr string
	}{
		{name: "the sample", args: []string{sample}, code: exitOK, wantRules: []string{}},
		{name: "the real 2020 report", args: []string{chaoyang}, code: exitOK, wantRules: []string{"cell.blank", "cell.blank"}},
		{name: "a broken total", args: []string{broken}, code: exitFailed, wantRules: []string{"requests.row_total", "requests.balance"}},
		// Last year's texts are this year's: 年年雷同 in sections 一 and 五.
		{name: "with last year's report", args: []string{sample, "--previous", lastYear}, code: exitOK, wantRules: []string{"sections.repeated", "crossyear.in_force", "crossyear.carried_over", "crossyear.carried_over", "crossyear.carried_over", "crossyear.carried_over", "sections.repeated"}},
		{name: "last year's report of another agency", args: []string{sample, "--previous", otherAgency}, code: exitOK, wantRules: []string{"crossyear.agency", "sections.repeated", "crossyear.in_force", "crossyear.carried_over", "crossyear.carried_over", "crossyear.carried_over", "crossyear.carried_over", "sections.repeated"}},
		{name: "gip-2021 with the legacy （六） row", args: []string{legacy}, code: exitOK, wantRules: []string{"format.legacy_row"}},
		{name: "gip-2021 with the legacy （六） row, broken", args: []string{legacyBroken}, code: exitFailed, wantRules: []string{"format.legacy_row", "requests.row_total", "requests.result_total"}},
		{name: "legacy row for people", args: []string{"--output", "text", legacy}, code: exitOK, wantOut: "format.legacy_row"},
		{name: "text for people", args: []string{"--output", "text", broken}, code: exitFailed, wantOut: "错误 [requests.row_total]"},
		{name: "malformed JSON", args: []string{malformed}, code: exitUsage, wantStderr: "第 3 行"},
		{name: "no such file", args: []string{filepath.Join(dir, "nope.json")}, code: exitUsage, wantStderr: "无法读取"},
		{name: "last year's report of another year", args: []string{sample, "--previous", wrongYear}, code: exitUsage, wantStderr: "应为 2024 年度"},
		{name: "bad output", args: []string{sample, "--output", "xml"}, code: exitUsage, wantStderr: "json 或 text"},
		{name: "no file", args: nil, code: exitUsage, wantStderr: "用法"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(context.Background(), append([]string{"validate"}, tt.args...), &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tt.code, out.String(), errb.String())
			}
			if tt.wantRules != nil {
				var res struct {
					Valid    bool
					Findings []struct{ Rule, Severity, Path, Message string }
				}
				if err := json.Unmarshal(out.Bytes(), &res); err != nil {
					t.Fatalf("stdout is not the JSON result: %v\n%s", err, out.String())
				}
				var rules []string
				for _, f := range res.Findings {
					rules = append(rules, f.Rule)
				}
				if strings.Join(rules, ",") != strings.Join(tt.wantRules, ",") {
					t.Errorf("rules %v, want %v", rules, tt.wantRules)
				}
				if res.Valid != (tt.code == exitOK) {
					t.Errorf("valid = %v with exit %d", res.Valid, code)
				}
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errb.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.wantStderr)
			}
		})
	}
}
