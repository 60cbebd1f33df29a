package webapp

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"nianbao/shared/signin"
)

type fakeLambda struct{ in *lambda.InvokeInput }

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.in = in
	return &lambda.InvokeOutput{StatusCode: 202}, nil
}

// The api hands a sign-in request on as an asynchronous invocation of the sign-in
// function: Lambda answers once it is queued, and nothing of the function's work is
// waited for.
func TestSignInRequestsAreEventInvocations(t *testing.T) {
	f := &fakeLambda{}
	q := &invokeQueue{client: f, function: "nianbao-sign-in"}
	if err := q.Enqueue(context.Background(), signin.Request{Email: "drafter@demo.local", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if f.in == nil || *f.in.FunctionName != "nianbao-sign-in" || f.in.InvocationType != lambdatypes.InvocationTypeEvent {
		t.Fatalf("invoked %+v", f.in)
	}
	var got signin.Request
	if err := json.Unmarshal(f.in.Payload, &got); err != nil || got != (signin.Request{Email: "drafter@demo.local", IP: "192.0.2.1"}) {
		t.Errorf("payload %s (%v)", f.in.Payload, err)
	}
}
