// Package deploy checks what `sam deploy` takes to AWS where neither the local stack
// nor a deploy from these machines would show a mistake: template.yaml against
// functions/ and the build list of infra/deploy.mk, each function's Lambda settings,
// partition-neutral ARNs, IAM statements on "*", each function's grants against what it
// uses (privilege.go), the CloudFront headers of the published site, the state machine's logging
// permissions, and the ASL of workflow/ against its DefinitionSubstitutions. cfn-lint
// (cfnlint.go) adds CloudFormation's own schema, the ASL schema (E3601) among it.
//
// Every check returns all it finds, each problem naming the resource, directory or
// state at fault, so a broken copy says what broke.
package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"nianbao/infra/stack"
)

// Paths of what the checks read, relative to the module root.
const (
	TemplateFile = "template.yaml"
	DeployMk     = "infra/deploy.mk"
	FunctionsDir = "functions"
)

// Problems is every problem a check found, one line each.
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

// Err is nil when there is no problem.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

func (p *Problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// CheckAll runs every check of this file on the project under root (the module root).
func CheckAll(root string) error {
	t, err := stack.LoadTemplate(filepath.Join(root, TemplateFile))
	if err != nil {
		return err
	}
	text, err := os.ReadFile(filepath.Join(root, TemplateFile))
	if err != nil {
		return err
	}
	mk, err := os.ReadFile(filepath.Join(root, DeployMk))
	if err != nil {
		return err
	}
	build, err := BuildList(mk)
	if err != nil {
		return err
	}
	dirs, err := FunctionDirs(filepath.Join(root, FunctionsDir))
	if err != nil {
		return err
	}
	var errs []error
	errs = append(errs, CheckFunctions(t, dirs, build), CheckFunctionSettings(t),
		CheckPartition(text), CheckWildcards(t), CheckStateMachineLogging(t), CheckPrivilege(t), CheckSiteHeaders(t))
	for _, id := range t.SortedIDs() {
		r := t.Resources[id]
		if r.Type != "AWS::Serverless::StateMachine" {
			continue
		}
		uri, _ := r.Properties["DefinitionUri"].(string)
		if uri == "" {
			errs = append(errs, fmt.Errorf("state machine %s: no DefinitionUri file (the ASL lives in workflow/)", id))
			continue
		}
		asl, err := os.ReadFile(filepath.Join(t.Dir, uri))
		if err != nil {
			errs = append(errs, fmt.Errorf("state machine %s: %w", id, err))
			continue
		}
		if err := CheckASL(asl, uri, Substitutions(r)); err != nil {
			errs = append(errs, fmt.Errorf("state machine %s (%s):\n%w", id, uri, err))
		}
	}
	return errors.Join(errs...)
}

var buildListLine = regexp.MustCompile(`^\s*([A-Za-z0-9]+):([a-z0-9-]+)\s*\\?\s*$`)

// BuildList reads FUNCTIONS of infra/deploy.mk: logical id → directory under functions/.
func BuildList(mk []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(mk))
	in := false
	for sc.Scan() {
		line := sc.Text()
		if !in {
			rest, ok := strings.CutPrefix(line, "FUNCTIONS :=")
			if !ok {
				continue
			}
			in = true
			line = rest
		}
		cont := strings.HasSuffix(strings.TrimSpace(line), `\`)
		for _, f := range strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), `\`)) {
			m := buildListLine.FindStringSubmatch(f)
			if m == nil {
				return nil, fmt.Errorf("%s: FUNCTIONS entry %q is not LogicalId:directory", DeployMk, f)
			}
			if _, dup := out[m[1]]; dup {
				return nil, fmt.Errorf("%s: FUNCTIONS lists %s twice", DeployMk, m[1])
			}
			out[m[1]] = m[2]
		}
		if !cont {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no FUNCTIONS list", DeployMk)
	}
	return out, nil
}

// FunctionDirs lists the directories under functions/ that hold Go files.
func FunctionDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		gos, _ := filepath.Glob(filepath.Join(dir, e.Name(), "*.go"))
		if len(gos) > 0 {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// CheckFunctions: every functions/<dir> is built for exactly one function of the
// template, and every function of the template is built from one directory that exists.
func CheckFunctions(t *stack.Template, dirs []string, build map[string]string) error {
	var p Problems
	functions := map[string]bool{}
	for _, id := range t.SortedIDs() {
		if t.Resources[id].Type != "AWS::Serverless::Function" {
			continue
		}
		functions[id] = true
		dir, ok := build[id]
		switch {
		case !ok:
			p.add("function %s of %s is not in FUNCTIONS of %s: nothing builds it", id, TemplateFile, DeployMk)
		case !slices.Contains(dirs, dir):
			p.add("function %s is built from %s/%s, which does not exist", id, FunctionsDir, dir)
		}
	}
	for _, dir := range dirs {
		var ids []string
		for id, d := range build {
			if d == dir {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		switch {
		case len(ids) == 0:
			p.add("%s/%s has no function in %s (and no FUNCTIONS entry in %s)", FunctionsDir, dir, TemplateFile, DeployMk)
		case len(ids) > 1:
			p.add("%s/%s is built for %d functions (%s): want exactly one", FunctionsDir, dir, len(ids), strings.Join(ids, ", "))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(build)) {
		if !functions[id] {
			p.add("%s builds %s from %s/%s, but %s has no function %s", DeployMk, id, FunctionsDir, build[id], TemplateFile, id)
		}
	}
	return p.Err()
}

// CheckFunctionSettings: what every function needs on Lambda (after Globals).
func CheckFunctionSettings(t *stack.Template) error {
	var p Problems
	for _, id := range t.SortedIDs() {
		r := t.Resources[id]
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		want := func(what string, got any, wanted string) {
			if s, _ := got.(string); s != wanted {
				p.add("function %s: %s is %v, want %s", id, what, show(got), wanted)
			}
		}
		want("Runtime", r.Properties["Runtime"], "provided.al2023")
		want("Handler", r.Properties["Handler"], "bootstrap")
		want("CodeUri", r.Properties["CodeUri"], ".")
		want("Metadata.BuildMethod", r.Metadata["BuildMethod"], "makefile")
		if a, _ := r.Properties["Architectures"].([]any); len(a) != 1 || a[0] != "arm64" {
			p.add("function %s: Architectures is %v, want [arm64]", id, show(r.Properties["Architectures"]))
		}
		lc, _ := r.Properties["LoggingConfig"].(map[string]any)
		want("LoggingConfig.LogFormat", lc["LogFormat"], "JSON")
	}
	return p.Err()
}

func show(v any) string {
	if v == nil {
		return "missing"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

var fixedPartition = regexp.MustCompile(`arn:aws(-cn|-us-gov|-iso[a-z-]*)?:`)

// CheckPartition finds ARNs written with a fixed partition: the same template deploys
// to aws and aws-cn only if each is built with ${AWS::Partition}. It reads the text, so
// that Globals, Outputs and policy documents are all covered, and names the resource
// (or section) of each line.
func CheckPartition(text []byte) error {
	var p Problems
	section, resource := "", ""
	for i, line := range strings.Split(string(text), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		switch {
		case !strings.HasPrefix(line, " "):
			section, _, _ = strings.Cut(trimmed, ":")
			resource = ""
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") && strings.HasSuffix(trimmed, ":"):
			resource = strings.TrimSuffix(trimmed, ":")
		}
		code := line
		if i := strings.Index(code, " #"); i >= 0 {
			code = code[:i]
		}
		if m := fixedPartition.FindString(code); m != "" {
			where := section
			if resource != "" {
				where += " " + resource
			}
			p.add("%s:%d (%s): %q has a fixed partition: build the ARN with ${AWS::Partition}", TemplateFile, i+1, where, m)
		}
	}
	return p.Err()
}

// WildcardActions are the only actions a statement may grant on "*": AWS has no
// narrower resource for them (CloudWatch Logs' log deliveries, which Step Functions
// logging needs).
var WildcardActions = []string{
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}

// CheckWildcards finds IAM statements that grant something on "*" other than
// WildcardActions, in every resource (inline SAM policies, managed policies, roles).
// Bucket policies are resource policies: their "*" is the principal, not the resource.
func CheckWildcards(t *stack.Template) error {
	var p Problems
	for _, id := range t.SortedIDs() {
		r := t.Resources[id]
		for _, st := range statements(r.Properties) {
			if !hasLiteral(st["Resource"], "*") {
				continue
			}
			var extra []string
			for _, a := range actionList(st["Action"]) {
				if !slices.Contains(WildcardActions, a) {
					extra = append(extra, a)
				}
			}
			if len(extra) > 0 {
				sid, _ := st["Sid"].(string)
				if sid == "" {
					sid = "(no Sid)"
				}
				p.add("resource %s: statement %s grants %s on \"*\": give the resource's ARN (only %s may be on \"*\")",
					id, sid, strings.Join(extra, ", "), strings.Join(WildcardActions, ", "))
			}
		}
	}
	return p.Err()
}

// statements finds every IAM statement (a mapping with Effect and Action) under v,
// through both branches of any Fn::If.
func statements(v any) []map[string]any {
	var out []map[string]any
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["Effect"]; ok {
				if _, ok := v["Action"]; ok {
					out = append(out, v)
					return
				}
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// hasLiteral reports whether s appears as a plain string in v (through Fn::If).
func hasLiteral(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return v == s
	case []any:
		return slices.ContainsFunc(v, func(e any) bool { return hasLiteral(e, s) })
	case map[string]any:
		if a, ok := v["Fn::If"].([]any); ok && len(a) == 3 {
			return hasLiteral(a[1], s) || hasLiteral(a[2], s)
		}
	}
	return false
}

// actionList is an Action value as a list (a string, or a list of them).
func actionList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, actionList(e)...)
		}
		return out
	}
	return nil
}

// CheckStateMachineLogging: a state machine that logs to CloudWatch Logs needs the log
// delivery actions in its role. SAM does not add them, cfn-lint does not notice, and
// CloudFormation only fails on the first deploy.
func CheckStateMachineLogging(t *stack.Template) error {
	var p Problems
	for _, id := range t.SortedIDs() {
		r := t.Resources[id]
		if r.Type != "AWS::Serverless::StateMachine" {
			continue
		}
		logging, _ := r.Properties["Logging"].(map[string]any)
		if logging == nil {
			p.add("state machine %s: no Logging to CloudWatch Logs (failed executions leave no trace to read)", id)
			continue
		}
		granted := map[string]bool{}
		for _, st := range statements(r.Properties["Policies"]) {
			if !hasLiteral(st["Resource"], "*") {
				continue
			}
			for _, a := range actionList(st["Action"]) {
				granted[a] = true
			}
		}
		var missing []string
		for _, a := range WildcardActions {
			if !granted[a] {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			p.add("state machine %s logs to CloudWatch Logs, but its Policies do not grant %s on \"*\"", id, strings.Join(missing, ", "))
		}
	}
	return p.Err()
}

// Substitutions is the names a state machine resource's DefinitionSubstitutions define.
func Substitutions(r *stack.Resource) []string {
	subs, _ := r.Properties["DefinitionSubstitutions"].(map[string]any)
	return slices.Sorted(maps.Keys(subs))
}
