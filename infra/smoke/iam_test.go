package smoke_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"nianbao/infra/deploy"
)

// needed is, for each function, one action its smoke invocation cannot do without: the
// invocation fails when only that action is taken from the function's policy.
var needed = map[string]string{
	"ApiFunction":             "secretsmanager:GetSecretValue", // the link key, read with the first request
	"SignInFunction":          "dynamodb:GetItem",              // the user
	"ValidateFunction":        "dynamodb:GetItem",              // the version
	"RequestApprovalFunction": "secretsmanager:GetSecretValue", // the link key, before the step runs
	"RemindFunction":          "secretsmanager:GetSecretValue",
	"ReturnFunction":          "dynamodb:GetItem",
	"PublishFunction":         "s3:PutObject", // the pages, under reports/
	"NotifyFunction":          "ses:SendEmail",
	"RecordFailureFunction":   "dynamodb:GetItem",
}

// TestEachFunctionRunsWithOnlyItsPolicy runs every function's binary for its smoke
// invocation with the credentials of an IAM user that has only the policy template.yaml
// gives the function's role, under moto's IAM enforcement: each works with it (the
// read-only ones with no write), and each fails when one action it needs is taken away.
//
// What moto checks, and how the policy is adapted to it:
//   - actions, for every service; resources only for S3 (an object's ARN: PublishFunction
//     may write under reports/ only). For the other services moto authorises against "*",
//     which no ARN of the template matches, so their statements get Resource "*" here;
//     their resources are checked against Uses by infra/deploy, not here.
//   - moto authorises a TransactWriteItems as dynamodb:TransactWriteItems; AWS authorises
//     each of its items as PutItem, UpdateItem, DeleteItem or ConditionCheckItem, so a
//     statement granting one of those also grants moto's action here.
//   - Lambda Invoke is served by the local stack's gateway, not moto: the api's
//     lambda:InvokeFunction is checked by infra/deploy only.
func TestEachFunctionRunsWithOnlyItsPolicy(t *testing.T) {
	st.ResetT(t)
	bins, functions := buildAll(t)
	seed(t, 2025, 2026, 2027, 2028)
	ctx := context.Background()

	type user struct{ key, secret string }
	users := map[string]map[bool]user{} // function → without its needed action? → user
	client := iam.NewFromConfig(st.AWSConfig())
	for _, c := range smokeCases() {
		full, err := motoPolicy(c.id, "")
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		less, err := motoPolicy(c.id, needed[c.id])
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if less == full {
			t.Fatalf("%s: its policy does not grant %s: update needed", c.id, needed[c.id])
		}
		users[c.id] = map[bool]user{}
		for _, without := range []bool{false, true} {
			name, doc := c.id, full
			if without {
				name, doc = c.id+"-without-"+strings.ReplaceAll(needed[c.id], ":", "-"), less
			}
			if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: &name}); err != nil {
				t.Fatal(err)
			}
			if _, err := client.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: &name, PolicyName: aws.String("role"), PolicyDocument: &doc}); err != nil {
				t.Fatal(err)
			}
			k, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: &name})
			if err != nil {
				t.Fatal(err)
			}
			users[c.id][without] = user{*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey}
		}
	}

	// From here on moto refuses every request its credentials do not allow — the
	// stack's own dummy credentials included, so nothing else may run meanwhile.
	motoAuth(t, "0")
	t.Cleanup(func() { motoAuth(t, "inf") })

	run := func(t *testing.T, c smokeCase, u user) ([]byte, error) {
		env := environment(t, c.id, append(c.drop, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")...)
		env = append(env, "AWS_ACCESS_KEY_ID="+u.key, "AWS_SECRET_ACCESS_KEY="+u.secret)
		p := start(t, filepath.Join(bins, functions[c.id]), c.id, env)
		out, err := p.tryInvoke(c.payload)
		if err == nil && c.id == "ApiFunction" {
			var res events.APIGatewayV2HTTPResponse
			if jerr := json.Unmarshal(out, &res); jerr != nil || res.StatusCode != http.StatusAccepted {
				err = fmt.Errorf("the api answered %d %s", res.StatusCode, res.Body)
			}
		}
		if err != nil {
			// The log reaches us through a pipe, after the answer may have: wait for
			// the refusal to show (a 503 from the api says nothing of its cause).
			deadline := time.Now().Add(2 * time.Second)
			for !denied(p.stdout.String()) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			return out, fmt.Errorf("%w\nlog:\n%s", err, abbreviateLog(p.stdout.String()))
		}
		return out, nil
	}
	for _, c := range smokeCases() {
		t.Run(c.id, func(t *testing.T) {
			// Without the action first: each fails before it changes anything the run
			// with its whole policy then needs.
			if _, err := run(t, c, users[c.id][true]); err == nil {
				t.Errorf("%s works without %s: the action is not needed, or moto did not check it", c.id, needed[c.id])
			} else if !denied(err.Error()) {
				// moto answers a JSON service's refusal in XML, which the SDK cannot
				// decode: its status is what is left. The same binary with the whole
				// policy works (below), so the 403 is the missing action.
				t.Errorf("%s without %s failed, but not for want of it: %v", c.id, needed[c.id], err)
			}
			if _, err := run(t, c, users[c.id][false]); err != nil {
				t.Errorf("%s with only its template policy: %v", c.id, err)
			}
		})
	}
}

// motoPolicy is the function's policy document from template.yaml, resolved against the
// local stack and adapted to what moto checks (see TestEachFunctionRunsWithOnlyItsPolicy),
// without the action `without` when it is not "".
func motoPolicy(id, without string) (string, error) {
	raw, err := deploy.FunctionPolicy(st.Template(), id)
	if err != nil {
		return "", err
	}
	resolved, err := st.Resolve(raw)
	if err != nil {
		return "", err
	}
	var out []map[string]any
	for _, s := range resolved.([]any) {
		m, ok := s.(map[string]any)
		if !ok {
			return "", fmt.Errorf("a statement resolves to %v", s)
		}
		var acts []string
		for _, a := range actionsOf(m["Action"]) {
			if a != without {
				acts = append(acts, a)
			}
		}
		if len(acts) == 0 {
			continue
		}
		if slices.ContainsFunc(acts, func(a string) bool {
			return slices.Contains([]string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}, a)
		}) {
			acts = append(acts, "dynamodb:TransactWriteItems")
		}
		st := map[string]any{"Effect": m["Effect"], "Action": acts, "Resource": m["Resource"]}
		if !slices.ContainsFunc(acts, func(a string) bool { return strings.HasPrefix(a, "s3:") }) {
			st["Resource"] = "*"
		}
		out = append(out, st)
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": out})
	return string(b), err
}

func actionsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// motoAuth sets the number of requests moto still serves without checking IAM: "0"
// checks every request from now on, "inf" none (moto's /moto-api/reset-auth).
func motoAuth(t *testing.T, count string) {
	t.Helper()
	res, err := http.Post(st.MotoURL+"/moto-api/reset-auth", "text/plain", strings.NewReader(count))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("moto reset-auth %s: %s", count, res.Status)
	}
}

// denied reports whether a function's error or log shows a refusal by IAM.
func denied(s string) bool {
	return strings.Contains(s, "AccessDenied") || strings.Contains(s, "StatusCode: 403")
}

func abbreviateLog(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}
