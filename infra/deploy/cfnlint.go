package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// LintRegions are where cfn-lint checks the template: a global region and both China
// regions, whose registries lack SES and parts of CloudFront (infra/deploy.mk's
// LINT_REGIONS).
var LintRegions = []string{"us-east-1", "cn-north-1", "cn-northwest-1"}

// Finding is one cfn-lint match.
type Finding struct {
	File    string // the template it is in
	Rule    string // e.g. E3601
	Level   string // Error, Warning, Informational
	Path    string // Resources/ApprovalStateMachine/Properties/Definition/States/…
	Line    int
	Message string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s (line %d): %s", f.Rule, f.Path, f.Line, f.Message)
}

// ErrNoCfnLint is returned when cfn-lint is not on the PATH.
var ErrNoCfnLint = errors.New("cfn-lint is not installed (pip package cfn-lint; this project's machines have it)")

// CfnLint runs cfn-lint on template files (in one process: its start is most of a
// run's time) for regions (none: cfn-lint's default, us-east-1) and returns the findings.
func CfnLint(ctx context.Context, regions []string, paths ...string) ([]Finding, error) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		return nil, ErrNoCfnLint
	}
	args := []string{"--format", "json"}
	if len(regions) > 0 {
		args = append(append(args, "--regions"), regions...)
	}
	args = append(append(args, "--"), paths...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	// cfn-lint's exit status is a bit mask of the levels found (2 error, 4 warning,
	// 8 informational); anything else, or no JSON, is cfn-lint failing.
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode()&^14 != 0) {
		return nil, fmt.Errorf("cfn-lint %s: %w: %s", strings.Join(paths, " "), err, stderr.String())
	}
	var raw []struct {
		Filename string
		Level    string
		Message  string
		Location struct {
			Path  []any
			Start struct{ LineNumber int }
		}
		Rule struct{ Id string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		return nil, fmt.Errorf("cfn-lint %s: output is not JSON: %w: %s%s", strings.Join(paths, " "), err, stdout.String(), stderr.String())
	}
	out := make([]Finding, 0, len(raw))
	for _, r := range raw {
		parts := make([]string, len(r.Location.Path))
		for i, p := range r.Location.Path {
			parts[i] = fmt.Sprint(p)
		}
		out = append(out, Finding{File: r.Filename, Rule: r.Rule.Id, Level: r.Level, Path: strings.Join(parts, "/"),
			Line: r.Location.Start.LineNumber, Message: r.Message})
	}
	return out, nil
}

// Errors keeps the findings of level Error.
func Errors(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Level == "Error" {
			out = append(out, f)
		}
	}
	return out
}

// WrapASL puts a state machine definition into a plain AWS::StepFunctions::StateMachine
// named ApprovalStateMachine, so that cfn-lint checks it against the ASL schema (E3601):
// it cannot read a SAM DefinitionUri file. infra/deploy.mk's cfn-lint target (part of make lint) does the same.
func WrapASL(asl []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"ApprovalStateMachine":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"RoleArn":"arn:aws:iam::123456789012:role/lint","Definition":`)
	b.Write(asl)
	b.WriteString("}}}}\n")
	return b.Bytes()
}
