package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"nianbao/infra/stack"
)

// Least privilege: each function's role grants what its code uses (Uses) and nothing
// else. CheckPrivilege compares the two; infra/smoke's TestEachFunctionRunsWithOnlyItsPolicy
// runs each function's binary under moto's IAM with only the policy the template gives
// it, and without one action of Uses, to show the list is what the code needs.
//
// A grant is an action on a resource, the resource written as a Fn::Sub string over the
// template's names: !Ref X is ${X}, !GetAtt X.Arn is ${X.Arn}, both branches of an
// Fn::If count. SAM adds AWSLambdaBasicExecutionRole (the function's own logs) to every
// function role; it is not in Policies and not checked here.

// Resources the functions use, as grants name them.
const (
	table          = "${Table.Arn}"
	linkKey        = "${LinkKeySecret}"
	stateMachine   = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-approval"
	executions     = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-approval:*"
	signInFunction = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-sign-in"
	reports        = "${SiteBucket.Arn}/reports/*"
)

func on(resource string, actions ...string) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = a + " " + resource
	}
	return out
}

var (
	// shared/store: GetItem and Query read; PutItem and UpdateItem write, alone or as
	// the items of a TransactWriteItems (which IAM authorises item by item).
	tableReads  = on(table, "dynamodb:GetItem", "dynamodb:Query")
	tableWrites = on(table, "dynamodb:PutItem", "dynamodb:UpdateItem")
	// MailSendPolicy: SES as the identity (every identity in the sandbox), or the SMTP
	// password (the stack's own secret, or the operator's).
	mailSend = slices.Concat(
		on("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*", "ses:SendEmail"),
		on("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailDomain}", "ses:SendEmail"),
		on("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailFrom}", "ses:SendEmail"),
		on("${SmtpPasswordSecret}", "secretsmanager:GetSecretValue"),
		on("${SmtpPasswordSecretArn}", "secretsmanager:GetSecretValue"),
	)
)

// Uses is what each function's code does on AWS. Keep it with the code: a function that
// starts to use something new gets it here and in template.yaml.
var Uses = map[string][]string{
	// shared/web through shared/lifecycle: sessions (DeleteItem on sign-out), drafts,
	// submissions (a TransactWriteItems Delete undoes one whose execution did not
	// start), decisions (a ConditionCheck on the report); the workflow (start, stop,
	// describe, deliver a decision); sign-in requests handed to SignInFunction; the
	// link key for review links and form tokens; mail for what people do in the app
	// (copies to an approver, a reassigned link, 催报).
	"ApiFunction": slices.Concat(tableReads, tableWrites,
		on(table, "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"),
		on(linkKey, "secretsmanager:GetSecretValue"),
		on(stateMachine, "states:StartExecution", "states:SendTaskSuccess"),
		on(executions, "states:StopExecution", "states:DescribeExecution"),
		on(signInFunction, "lambda:InvokeFunction"), mailSend),
	// shared/signin: the user (GetItem), the throttle (UpdateItem, PutItem), the link
	// (PutItem), the mail. A sign-in link's secret is random: no link key.
	"SignInFunction": slices.Concat(tableReads, tableWrites, mailSend),
	// Reads the version, the agency and last year's report.
	"ValidateFunction": tableReads,
	// Records the approval and the level, mails links made with the key, delivers a
	// decision taken while no token was live.
	"RequestApprovalFunction": slices.Concat(tableReads, tableWrites, on(linkKey, "secretsmanager:GetSecretValue"),
		on(stateMachine, "states:SendTaskSuccess"), mailSend),
	// Counts the reminder (or closes the level overdue) and mails the same links again.
	"RemindFunction": slices.Concat(tableReads, tableWrites, on(linkKey, "secretsmanager:GetSecretValue"), mailSend),
	// Sends the report back and tells the drafter.
	"ReturnFunction": slices.Concat(tableReads, tableWrites, mailSend),
	// Claims the version, records the publication, writes the pages under reports/.
	"PublishFunction": slices.Concat(tableReads, tableWrites, on(reports, "s3:PutObject")),
	// Reads the version and mails where it is published.
	"NotifyFunction": slices.Concat(tableReads, mailSend),
	// Marks the report failed and tells the office.
	"RecordFailureFunction": slices.Concat(tableReads, tableWrites, mailSend),
}

// samPolicy is one SAM policy template as samtranslator's policy_templates.json defines
// it: its actions, on resources built from its parameter.
type samPolicy struct {
	param     string
	actions   []string
	resources []string // Fn::Sub patterns over the parameter
}

// samPolicies are the SAM policy templates the check can read. Any other one is a
// problem: what it grants is not known here (add it, from samtranslator's
// policy_templates.json).
var samPolicies = map[string]samPolicy{
	"DynamoDBCrudPolicy": {"TableName", []string{"dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
		"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable",
		"dynamodb:ConditionCheckItem"}, dynamoDBResources},
	"DynamoDBReadPolicy": {"TableName", []string{"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem",
		"dynamodb:DescribeTable"}, dynamoDBResources},
	"DynamoDBWritePolicy":                   {"TableName", []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"}, dynamoDBResources},
	"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn", []string{"secretsmanager:GetSecretValue"}, []string{"${SecretArn}"}},
	"StepFunctionsExecutionPolicy": {"StateMachineName", []string{"states:StartExecution"},
		[]string{"arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}"}},
	// Not in the policy_templates.json read for this list (an older one); as the
	// template used it before its explicit DeliverADecision statements.
	"StepFunctionsCallbackPolicy": {"StateMachineName", []string{"states:SendTaskSuccess", "states:SendTaskFailure"},
		[]string{"arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}"}},
	"LambdaInvokePolicy": {"FunctionName", []string{"lambda:InvokeFunction"},
		[]string{"arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*"}},
	"S3ReadPolicy": {"BucketName", []string{"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
		"s3:GetLifecycleConfiguration"}, s3Resources},
	"S3WritePolicy": {"BucketName", []string{"s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"}, s3Resources},
	"S3CrudPolicy": {"BucketName", []string{"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
		"s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"}, s3Resources},
	"SESCrudPolicy": {"IdentityName", []string{"ses:GetIdentityVerificationAttributes", "ses:SendEmail", "ses:SendRawEmail",
		"ses:VerifyEmailIdentity"}, []string{"arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${IdentityName}"}},
}

var (
	dynamoDBResources = []string{
		"arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}",
		"arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}/index/*",
	}
	s3Resources = []string{"arn:${AWS::Partition}:s3:::${BucketName}", "arn:${AWS::Partition}:s3:::${BucketName}/*"}
)

// FunctionPolicy is the statements a function's Policies give its role, as template
// values (intrinsics unresolved, an Fn::If around a statement kept): inline Statement
// lists, SAM policy templates expanded, and the statements of the template's managed
// policies it refers to. Resolved against a stack, it is the role's policy document.
func FunctionPolicy(t *stack.Template, id string) ([]any, error) {
	r := t.Resources[id]
	if r == nil || r.Type != "AWS::Serverless::Function" {
		return nil, fmt.Errorf("no function %s", id)
	}
	var p Problems
	var out []any
	policies, _ := r.Properties["Policies"].([]any)
	for i, pol := range policies {
		m, ok := pol.(map[string]any)
		if !ok {
			p.add("function %s: Policies[%d] is %s: a managed policy by name or ARN, whose grants this check cannot read", id, i, show(pol))
			continue
		}
		if ref, ok := m["Ref"].(string); ok {
			mp := t.Resources[ref]
			if mp == nil || mp.Type != "AWS::IAM::ManagedPolicy" {
				p.add("function %s: Policies[%d] refers to %s, not a managed policy of %s", id, i, ref, TemplateFile)
				continue
			}
			doc, _ := mp.Properties["PolicyDocument"].(map[string]any)
			out = append(out, listOf(doc["Statement"])...)
			continue
		}
		if st, ok := m["Statement"]; ok {
			out = append(out, listOf(st)...)
			continue
		}
		if len(m) != 1 {
			p.add("function %s: Policies[%d] is %s: want one SAM policy template, a Statement list or !Ref of a managed policy", id, i, show(pol))
			continue
		}
		for name, arg := range m {
			sp, ok := samPolicies[name]
			if !ok {
				p.add("function %s: SAM policy template %s is unknown to infra/deploy (privilege.go): add what it grants", id, name)
				continue
			}
			args, _ := arg.(map[string]any)
			value, ok := args[sp.param]
			if !ok {
				p.add("function %s: %s without %s", id, name, sp.param)
				continue
			}
			var res []any
			for _, pattern := range sp.resources {
				res = append(res, map[string]any{"Fn::Sub": []any{pattern, map[string]any{sp.param: value}}})
			}
			acts := make([]any, len(sp.actions))
			for i, a := range sp.actions {
				acts[i] = a
			}
			out = append(out, map[string]any{"Sid": name, "Effect": "Allow", "Action": acts, "Resource": res})
		}
	}
	return out, p.Err()
}

// FunctionStatements is every statement of FunctionPolicy, through both branches of
// any Fn::If.
func FunctionStatements(t *stack.Template, id string) ([]map[string]any, error) {
	pol, err := FunctionPolicy(t, id)
	return statements(pol), err
}

// listOf is a Statement value as a list (one statement, or a list of them).
func listOf(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// Grants is what a function's role allows: "action resource", resources as Fn::Sub
// strings (see the top of this file), sorted.
func Grants(t *stack.Template, id string) ([]string, error) {
	sts, err := FunctionStatements(t, id)
	var p Problems
	if err != nil {
		p = append(p, err.(Problems)...)
	}
	set := map[string]bool{}
	for _, st := range sts {
		if e, _ := st["Effect"].(string); e != "Allow" {
			continue
		}
		if _, ok := st["NotAction"]; ok {
			p.add("function %s: a statement with NotAction grants what it does not name", id)
		}
		if _, ok := st["NotResource"]; ok {
			p.add("function %s: a statement with NotResource grants what it does not name", id)
		}
		res, err := resourceNames(st["Resource"])
		if err != nil {
			p.add("function %s: %v", id, err)
			continue
		}
		for _, a := range actionList(st["Action"]) {
			for _, r := range res {
				set[a+" "+r] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set)), p.Err()
}

// resourceNames renders a statement's Resource as Fn::Sub strings, one for each
// resource and each branch of an Fn::If.
func resourceNames(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case []any:
		var out []string
		for _, e := range v {
			r, err := resourceNames(e)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
		}
		return out, nil
	case map[string]any:
		if len(v) != 1 {
			break
		}
		if ref, ok := v["Ref"].(string); ok {
			if ref == "AWS::NoValue" {
				return nil, nil
			}
			return []string{"${" + ref + "}"}, nil
		}
		if ga, ok := v["Fn::GetAtt"]; ok {
			switch ga := ga.(type) {
			case string:
				return []string{"${" + ga + "}"}, nil
			case []any:
				if len(ga) == 2 {
					return []string{fmt.Sprintf("${%v.%v}", ga[0], ga[1])}, nil
				}
			}
		}
		if sub, ok := v["Fn::Sub"]; ok {
			switch sub := sub.(type) {
			case string:
				return []string{sub}, nil
			case []any:
				text, _ := sub[0].(string)
				vars, _ := sub[1].(map[string]any)
				out := []string{text}
				for _, k := range slices.Sorted(maps.Keys(vars)) {
					vals, err := resourceNames(vars[k])
					if err != nil {
						return nil, err
					}
					var next []string
					for _, o := range out {
						for _, val := range vals {
							next = append(next, strings.ReplaceAll(o, "${"+k+"}", val))
						}
					}
					out = next
				}
				return out, nil
			}
		}
		if a, ok := v["Fn::If"].([]any); ok && len(a) == 3 {
			x, err := resourceNames(a[1])
			if err != nil {
				return nil, err
			}
			y, err := resourceNames(a[2])
			if err != nil {
				return nil, err
			}
			return append(x, y...), nil
		}
	}
	b, _ := json.Marshal(v)
	return nil, fmt.Errorf("a Resource this check cannot read: %s", b)
}

// CheckPrivilege: each function's role grants exactly what Uses lists for it: nothing
// more (least privilege), nothing less (the function would fail on AWS).
func CheckPrivilege(t *stack.Template) error {
	var p Problems
	seen := map[string]bool{}
	for _, id := range t.SortedIDs() {
		if t.Resources[id].Type != "AWS::Serverless::Function" {
			continue
		}
		seen[id] = true
		uses, ok := Uses[id]
		if !ok {
			p.add("function %s: infra/deploy (privilege.go) does not say what it uses: add it to Uses", id)
			continue
		}
		grants, err := Grants(t, id)
		if err != nil {
			p = append(p, err.(Problems)...)
		}
		for _, g := range grants {
			if !slices.Contains(uses, g) {
				p.add("function %s is granted more than it uses: %s (Uses in infra/deploy/privilege.go)", id, g)
			}
		}
		for _, u := range uses {
			if !slices.Contains(grants, u) {
				p.add("function %s uses %s, which its Policies do not grant", id, u)
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(Uses)) {
		if !seen[id] {
			p.add("infra/deploy (privilege.go) lists %s in Uses, but %s has no function %s", id, TemplateFile, id)
		}
	}
	return p.Err()
}
