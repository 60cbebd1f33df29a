package stack_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"nianbao/infra/stack"
)

func noopLambda(context.Context, func(string) string) (lambda.Handler, error) {
	return lambda.NewHandler(func(context.Context) error { return nil }), nil
}

func noopHTTP(context.Context, func(string) string) (http.Handler, error) {
	return http.NotFoundHandler(), nil
}

const header = `Transform: AWS::Serverless-2016-10-31
Resources:
`

// A template the local stack cannot reproduce stops it before moto starts,
// naming what it does not know.
func TestBadTemplatesAreRefused(t *testing.T) {
	tests := []struct {
		name      string
		resources string
		files     map[string]string
		lambdas   []string
		http      []string
		want      string
	}{
		{
			name:      "unknown resource type",
			resources: "  Queue:\n    Type: AWS::SQS::Queue\n",
			want:      "resource Queue has type AWS::SQS::Queue, which the local stack does not know",
		},
		{
			name:      "function without a factory",
			resources: "  ValidateFunction:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: functions/validate}\n",
			want:      "function ValidateFunction has no handler factory",
		},
		{
			name:      "web function without an HTTP factory",
			resources: "  ApiFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events: {Api: {Type: HttpApi}}\n",
			lambdas:   []string{"ApiFunction"},
			want:      "function ApiFunction has an HttpApi event but no HTTP factory",
		},
		{
			name:      "factory for no function",
			resources: "  Table:\n    Type: AWS::DynamoDB::Table\n    Properties: {KeySchema: [{AttributeName: PK, KeyType: HASH}], AttributeDefinitions: [{AttributeName: PK, AttributeType: S}], BillingMode: PAY_PER_REQUEST}\n",
			lambdas:   []string{"GhostFunction"},
			want:      "a factory is registered for GhostFunction, which is not a function of the template",
		},
		{
			name:      "unknown event type",
			resources: "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events: {Q: {Type: SQS}}\n",
			lambdas:   []string{"F"},
			want:      `function F: event Q has type "SQS", which the local stack does not know`,
		},
		{
			name:      "unknown intrinsic function",
			resources: "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment: {Variables: {X: !Base64 abc}}\n",
			lambdas:   []string{"F"},
			want:      "does not know the intrinsic function Fn::Base64",
		},
		{
			name:      "Ref to nothing",
			resources: "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment: {Variables: {X: !Ref Nothing}}\n",
			lambdas:   []string{"F"},
			want:      "Ref Nothing: no parameter or resource of that name",
		},
		{
			name:      "unknown table property",
			resources: "  Table:\n    Type: AWS::DynamoDB::Table\n    Properties: {KeySchema: [{AttributeName: PK, KeyType: HASH}], Sharding: 3}\n",
			want:      `resource Table (AWS::DynamoDB::Table): a property the local stack does not know: json: unknown field "Sharding"`,
		},
		{
			name:      "unknown bucket property",
			resources: "  B:\n    Type: AWS::S3::Bucket\n    Properties: {ObjectLockEnabled: true}\n",
			want:      "resource B (AWS::S3::Bucket) has property ObjectLockEnabled",
		},
		{
			name:      "substitution missing",
			resources: "  M:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: m.asl.json\n      DefinitionSubstitutions: {A: x}\n",
			files:     map[string]string{"m.asl.json": `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${B}","End":true}}}`},
			want:      "state machine M: the definition uses ${B}, which DefinitionSubstitutions does not give",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "template.yaml")
			if err := os.WriteFile(path, []byte(header+tc.resources), 0o644); err != nil {
				t.Fatal(err)
			}
			for name, body := range tc.files {
				os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
			}
			opts := stack.Options{TemplatePath: path, Lambdas: map[string]stack.LambdaFactory{}, HTTP: map[string]stack.HTTPFactory{},
				Python: "/nonexistent/python-must-not-be-started"}
			for _, id := range tc.lambdas {
				opts.Lambdas[id] = noopLambda
			}
			for _, id := range tc.http {
				opts.HTTP[id] = noopHTTP
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := stack.Start(ctx, opts)
			if err == nil {
				s.Stop()
				t.Fatal("the stack started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\ndoes not say %q", err, tc.want)
			}
		})
	}
}

func TestTemplateShortFormsAndGlobals(t *testing.T) {
	tmpl, err := stack.ParseTemplate([]byte(`
Globals:
  Function:
    Timeout: 9
    Environment: {Variables: {A: global, B: global}}
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {B: !Sub "${AWS::Region}-${G.Arn}", C: !GetAtt G.Arn}}
  G:
    Type: AWS::Serverless::Function
`))
	if err != nil {
		t.Fatal(err)
	}
	props := tmpl.Resources["F"].Properties
	vars := props["Environment"].(map[string]any)["Variables"].(map[string]any)
	if vars["A"] != "global" {
		t.Errorf("A = %v: Globals not merged", vars["A"])
	}
	if _, ok := vars["B"].(map[string]any)["Fn::Sub"]; !ok {
		t.Errorf("B = %v: !Sub not read as Fn::Sub", vars["B"])
	}
	if ga, _ := vars["C"].(map[string]any)["Fn::GetAtt"].([]any); len(ga) != 2 || ga[0] != "G" || ga[1] != "Arn" {
		t.Errorf("C = %v: !GetAtt not read as Fn::GetAtt [G, Arn]", vars["C"])
	}
	if props["Timeout"] == nil {
		t.Error("Timeout not taken from Globals")
	}
}
