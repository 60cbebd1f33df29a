package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nianbao/infra/stack"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := stack.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestTheProjectPasses(t *testing.T) {
	if err := CheckAll(moduleRoot(t)); err != nil {
		t.Fatalf("the project's own template, build list and ASL:\n%v", err)
	}
}

// copyProject copies what CheckAll reads into a temporary module root.
func copyProject(t *testing.T) string {
	t.Helper()
	root := moduleRoot(t)
	dst := t.TempDir()
	files := []string{TemplateFile, DeployMk}
	asl, _ := filepath.Glob(filepath.Join(root, "workflow", "*.json"))
	mains, _ := filepath.Glob(filepath.Join(root, FunctionsDir, "*", "*.go"))
	for _, f := range append(asl, mains...) {
		rel, _ := filepath.Rel(root, f)
		files = append(files, rel)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dst, f), b)
	}
	return dst
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// replace edits a file of the copy; the text must be there, so that a change to the
// real file that makes a case meaningless fails here instead of passing quietly.
func replace(t *testing.T, root, file, old, new string) {
	t.Helper()
	path := filepath.Join(root, file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q: update this case", file, old)
	}
	writeFile(t, path, []byte(strings.Replace(string(b), old, new, 1)))
}

// cut removes the lines of a file from the one containing from up to (not including)
// the one containing to.
func cut(t *testing.T, root, file, from, to string) {
	t.Helper()
	path := filepath.Join(root, file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, from)
	j := strings.Index(s, to)
	if i < 0 || j < i {
		t.Fatalf("%s: no %q before %q: update this case", file, from, to)
	}
	i = strings.LastIndex(s[:i], "\n") + 1
	j = strings.LastIndex(s[:j], "\n") + 1
	writeFile(t, path, []byte(s[:i]+s[j:]))
}

// editASL changes the state machine definition of the copy as data.
func editASL(t *testing.T, root string, edit func(states map[string]any)) {
	t.Helper()
	path := filepath.Join(root, "workflow", "approval.asl.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	edit(def["States"].(map[string]any))
	out, err := json.MarshalIndent(def, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, out)
}

func state(t *testing.T, states map[string]any, name string) map[string]any {
	t.Helper()
	st, ok := states[name].(map[string]any)
	if !ok {
		t.Fatalf("the ASL has no state %q: update this case", name)
	}
	return st
}

// Each case breaks a copy of the project one way; the checks must fail with a message
// that names what broke.
func TestBrokenCopiesAreNamed(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(t *testing.T, root string)
		want   []string
	}{
		{
			name: "a function resource removed",
			break_: func(t *testing.T, root string) {
				cut(t, root, TemplateFile, "  # Validate: runs the validator", "  # RequestApproval:")
			},
			want: []string{"infra/deploy.mk builds ValidateFunction from functions/validate, but template.yaml has no function ValidateFunction"},
		},
		{
			name: "a stray directory under functions/",
			break_: func(t *testing.T, root string) {
				writeFile(t, filepath.Join(root, FunctionsDir, "export", "main.go"), []byte("package main\n"))
			},
			want: []string{"functions/export has no function in template.yaml"},
		},
		{
			name:   "a function's directory missing",
			break_: func(t *testing.T, root string) { os.RemoveAll(filepath.Join(root, FunctionsDir, "notify")) },
			want:   []string{"function NotifyFunction is built from functions/notify, which does not exist"},
		},
		{
			name: "two functions built from one directory",
			break_: func(t *testing.T, root string) {
				replace(t, root, DeployMk, "NotifyFunction:notify", "NotifyFunction:remind")
			},
			want: []string{"functions/remind is built for 2 functions (NotifyFunction, RemindFunction)", "functions/notify has no function"},
		},
		{
			name: "a function the build list does not know",
			break_: func(t *testing.T, root string) {
				replace(t, root, DeployMk, "\tRecordFailureFunction:record-failure\n", "\tRecordFailureFunction:record-failure \\\n\tExportFunction:export\n")
				writeFile(t, filepath.Join(root, FunctionsDir, "export", "main.go"), []byte("package main\n"))
			},
			want: []string{"builds ExportFunction from functions/export, but template.yaml has no function ExportFunction"},
		},
		{
			name: "a read-only function granted the whole table",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "  NotifyFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile\n    Properties:\n      Policies:\n        - !Ref TableReadPolicy\n",
					"  NotifyFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile\n    Properties:\n      Policies:\n        - DynamoDBCrudPolicy: { TableName: !Ref Table }\n")
			},
			want: []string{
				"function NotifyFunction is granted more than it uses: dynamodb:DeleteItem arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table}",
				"function NotifyFunction is granted more than it uses: dynamodb:Scan",
				"function NotifyFunction uses dynamodb:GetItem ${Table.Arn}, which its Policies do not grant",
			},
		},
		{
			name: "the link key for a function that makes no links",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "  ValidateFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile\n    Properties:\n      Policies:\n",
					"  ValidateFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile\n    Properties:\n      Policies:\n        - AWSSecretsManagerGetSecretValuePolicy: { SecretArn: !Ref LinkKeySecret }\n")
			},
			want: []string{"function ValidateFunction is granted more than it uses: secretsmanager:GetSecretValue ${LinkKeySecret}"},
		},
		{
			name: "site writes on the whole bucket",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "Action: s3:PutObject\n              Resource: !Sub \"${SiteBucket.Arn}/reports/*\"",
					"Action: s3:PutObject\n              Resource: !Sub \"${SiteBucket.Arn}/*\"")
			},
			want: []string{"function PublishFunction is granted more than it uses: s3:PutObject ${SiteBucket.Arn}/*"},
		},
		{
			name: "the whole table for the api",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "        - StepFunctionsExecutionPolicy: { StateMachineName: !Sub \"${AWS::StackName}-approval\" }\n",
					"        - StepFunctionsExecutionPolicy: { StateMachineName: !Sub \"${AWS::StackName}-approval\" }\n        - DynamoDBCrudPolicy: { TableName: !Ref Table }\n")
			},
			want: []string{"function ApiFunction is granted more than it uses: dynamodb:"},
		},
		{
			name: "a SAM policy template the check does not know",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "        - StepFunctionsExecutionPolicy: { StateMachineName: !Sub \"${AWS::StackName}-approval\" }\n",
					"        - StepFunctionsExecutionPolicy: { StateMachineName: !Sub \"${AWS::StackName}-approval\" }\n        - SQSSendMessagePolicy: { QueueName: x }\n")
			},
			want: []string{"function ApiFunction: SAM policy template SQSSendMessagePolicy is unknown to infra/deploy"},
		},
		{
			name: "the api unable to hand sign-in requests on",
			break_: func(t *testing.T, root string) {
				cut(t, root, TemplateFile, "- Sid: HandSignInRequestsOn", "- AWSSecretsManagerGetSecretValuePolicy: { SecretArn: !Ref LinkKeySecret }")
			},
			want: []string{"function ApiFunction uses lambda:InvokeFunction arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-sign-in, which its Policies do not grant"},
		},
		{
			name: "a CSP that allows script on the published pages",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, `ContentSecurityPolicy: "default-src 'none'; style-src 'self';`, `ContentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self';`)
			},
			want: []string{`response headers policy SiteHeadersPolicy: CSP "default-src 'none'; script-src 'self';`, "allows script"},
		},
		{
			name: "the distribution without its headers policy",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "          ResponseHeadersPolicyId: !Ref SiteHeadersPolicy\n", "")
			},
			want: []string{"distribution SiteDistribution: DefaultCacheBehavior has no ResponseHeadersPolicyId"},
		},
		{
			name: "HSTS for a day",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "AccessControlMaxAgeSec: 63072000", "AccessControlMaxAgeSec: 86400")
			},
			want: []string{"response headers policy SiteHeadersPolicy: HSTS max-age 86400, want at least 31536000"},
		},
		{
			name: "x86_64",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "Architectures: [arm64]", "Architectures: [x86_64]")
			},
			want: []string{`function ApiFunction: Architectures is ["x86_64"], want [arm64]`, "function ValidateFunction: Architectures"},
		},
		{
			name: "a function's own runtime",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "      Timeout: 30\n", "      Timeout: 30\n      Runtime: provided.al2\n")
			},
			want: []string{`function PublishFunction: Runtime is "provided.al2", want provided.al2023`},
		},
		{
			name:   "text logs",
			break_: func(t *testing.T, root string) { replace(t, root, TemplateFile, "LogFormat: JSON", "LogFormat: Text") },
			want:   []string{`function RemindFunction: LoggingConfig.LogFormat is "Text", want JSON`},
		},
		{
			name: "built by SAM's go1.x builder",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "  ReturnFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile",
					"  ReturnFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: go1.x")
			},
			want: []string{`function ReturnFunction: Metadata.BuildMethod is "go1.x", want makefile`},
		},
		{
			name: "an ARN with a fixed partition",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, `"arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:`, `"arn:aws:states:${AWS::Region}:${AWS::AccountId}:execution:`)
			},
			want: []string{"(Resources ApiFunction)", `"arn:aws:" has a fixed partition`},
		},
		{
			name: `publishing on "*"`,
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "Action: s3:PutObject\n              Resource: !Sub \"${SiteBucket.Arn}/reports/*\"", "Action: s3:PutObject\n              Resource: \"*\"")
			},
			want: []string{`resource PublishFunction: statement PublishReports grants s3:PutObject on "*"`},
		},
		{
			name: "the state machine cannot deliver its logs",
			break_: func(t *testing.T, root string) {
				replace(t, root, TemplateFile, "                - logs:PutResourcePolicy\n", "")
			},
			want: []string{`state machine ApprovalStateMachine logs to CloudWatch Logs, but its Policies do not grant logs:PutResourcePolicy on "*"`},
		},
		{
			name: "an undefined substitution",
			break_: func(t *testing.T, root string) {
				replace(t, root, "workflow/approval.asl.json", "${NotifyFunctionArn}", "${NotifierArn}")
			},
			want: []string{"workflow/approval.asl.json uses ${NotifierArn}, which DefinitionSubstitutions does not define",
				"state machine ApprovalStateMachine", "DefinitionSubstitutions defines NotifyFunctionArn, which workflow/approval.asl.json does not use"},
		},
		{
			name: "a dangling Next",
			break_: func(t *testing.T, root string) {
				editASL(t, root, func(s map[string]any) { state(t, s, "Notify")["Next"] = "Publishd" })
			},
			want: []string{`state "Notify": Next "Publishd" is not a state`, `state "Published" cannot be reached`},
		},
		{
			name: "a dangling Catch",
			break_: func(t *testing.T, root string) {
				editASL(t, root, func(s map[string]any) {
					state(t, s, "Publish")["Catch"].([]any)[0].(map[string]any)["Next"] = "Publish faild"
				})
			},
			want: []string{`state "Publish": Catch[0].Next "Publish faild" is not a state`},
		},
		{
			name: "a dangling Default",
			break_: func(t *testing.T, root string) {
				editASL(t, root, func(s map[string]any) { state(t, s, "Valid?")["Default"] = "Return" })
			},
			want: []string{`state "Valid?": Default "Return" is not a state`},
		},
		{
			name: "a Task without Lambda's retry",
			break_: func(t *testing.T, root string) {
				editASL(t, root, func(s map[string]any) { delete(state(t, s, "Remind"), "Retry") })
			},
			want: []string{`Task state "Remind" has no Retry for Lambda.ServiceException and Lambda.TooManyRequestsException`},
		},
		{
			name: "a token wait without a timeout",
			break_: func(t *testing.T, root string) {
				editASL(t, root, func(s map[string]any) { delete(state(t, s, "RequestApproval"), "TimeoutSecondsPath") })
			},
			want: []string{`Task state "RequestApproval" waits for a task token with no TimeoutSeconds(Path) or HeartbeatSeconds(Path)`},
		},
		{
			name: "a state with neither Next nor End",
			break_: func(t *testing.T, root string) {
				editASL(t, root, func(s map[string]any) { delete(state(t, s, "Set level"), "Next") })
			},
			want: []string{`state "Set level" has neither Next nor End`, `state "More levels?" cannot be reached`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := copyProject(t)
			if err := CheckAll(root); err != nil {
				t.Fatalf("the copy fails before it is broken:\n%v", err)
			}
			c.break_(t, root)
			err := CheckAll(root)
			if err == nil {
				t.Fatal("the checks pass on the broken copy")
			}
			t.Logf("as reported:\n%v", err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the message does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// The published site's security headers, read from the template: what CloudFront adds
// to every page and asset of the site.
func TestSiteHeadersPolicyInTheTemplate(t *testing.T) {
	tm, err := stack.LoadTemplate(filepath.Join(moduleRoot(t), TemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	dist := tm.Resources["SiteDistribution"]
	cfg := dist.Properties["DistributionConfig"].(map[string]any)
	ref := cfg["DefaultCacheBehavior"].(map[string]any)["ResponseHeadersPolicyId"]
	if got, _ := json.Marshal(ref); string(got) != `{"Ref":"SiteHeadersPolicy"}` {
		t.Fatalf("the distribution's headers policy: %s", got)
	}
	pol := tm.Resources["SiteHeadersPolicy"]
	if pol.Type != "AWS::CloudFront::ResponseHeadersPolicy" || pol.Condition != "UseCloudFront" {
		t.Fatalf("SiteHeadersPolicy: %s, condition %q", pol.Type, pol.Condition)
	}
	sec := pol.Properties["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
	get := func(h, k string) string { return scalar(sec[h].(map[string]any)[k]) }
	for h, want := range map[string]string{
		"StrictTransportSecurity.AccessControlMaxAgeSec": "63072000",
		"ContentSecurityPolicy.ContentSecurityPolicy":    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"ContentTypeOptions.Override":                    "true",
		"ReferrerPolicy.ReferrerPolicy":                  "no-referrer",
		"FrameOptions.FrameOption":                       "DENY",
	} {
		name, key, _ := strings.Cut(h, ".")
		if got := get(name, key); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if err := CheckSiteHeaders(tm); err != nil {
		t.Error(err)
	}
}

func TestBuildList(t *testing.T) {
	got, err := BuildList([]byte("X := 1\nFUNCTIONS := \\\n\tAFunction:a \\\n\tBFunction:b-c\n\nY := 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["AFunction"] != "a" || got["BFunction"] != "b-c" {
		t.Errorf("BuildList = %v", got)
	}
	for _, bad := range []string{"FUNCTIONS := A\n", "FUNCTIONS := A:a A:b\n", "Y := 1\n"} {
		if _, err := BuildList([]byte(bad)); err == nil {
			t.Errorf("BuildList(%q): no error", bad)
		}
	}
}

// cfn-lint on copies broken in ways only it sees, all in one cfn-lint run (its start
// takes seconds). `make lint` runs it on the real files.
func TestCfnLint(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal(ErrNoCfnLint)
	}
	root := moduleRoot(t)
	template, err := os.ReadFile(filepath.Join(root, TemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	asl, err := os.ReadFile(filepath.Join(root, "workflow", "approval.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		content  []byte
		old, new string // a broken copy: the first old becomes new
		want     []string
	}{
		{
			name: "a log group's retention", content: template,
			old: "RetentionInDays: 365", new: "RetentionInDays: 366",
			want: []string{"Resources/ApprovalLogGroup/Properties/RetentionInDays", "366"},
		},
		{
			name: "SES without the China condition", content: template,
			old: "    Type: AWS::SES::EmailIdentity\n    Condition: UseSes\n", new: "    Type: AWS::SES::EmailIdentity\n",
			want: []string{"E3006 Resources/MailIdentity", "cn-north-1"},
		},
		{
			name: "a misspelt state type (E3601)", content: WrapASL(asl),
			old: `"Type": "Succeed"`, new: `"Type": "Succeeded"`,
			want: []string{"E3601 Resources/ApprovalStateMachine/Properties/Definition/States/", "'Succeeded' is not one of"},
		},
	}
	dir := t.TempDir()
	paths := make([]string, len(cases))
	for i, c := range cases {
		content := c.content
		if c.old != "" {
			if !strings.Contains(string(content), c.old) {
				t.Fatalf("%s: no %q: update this case", c.name, c.old)
			}
			content = []byte(strings.Replace(string(content), c.old, c.new, 1))
		}
		ext := ".json"
		if bytes.Equal(c.content, template) {
			ext = ".yaml"
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("case%d%s", i, ext))
		writeFile(t, paths[i], content)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The wrapped ASL is the same in every region: one run, the template's regions.
	findings, err := CfnLint(ctx, LintRegions, paths...)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var msgs []string
			for _, f := range Errors(findings) {
				if f.File == paths[i] {
					msgs = append(msgs, f.String())
				}
			}
			all := strings.Join(msgs, "\n")
			if len(msgs) == 0 {
				t.Fatal("cfn-lint finds no error in the broken copy")
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("cfn-lint's errors do not say %q:\n%s", w, all)
				}
			}
		})
	}
}
