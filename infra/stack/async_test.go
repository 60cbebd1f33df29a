package stack_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// An Event invocation (how the api hands a sign-in request on) is answered 202 once it
// is queued; the handler runs afterwards, to its own end, and WaitAsync waits for it.
func TestEventInvocationAnswersBeforeTheHandlerEnds(t *testing.T) {
	ctx := ctxT(t, 20*time.Second)
	flakyMode.Store("slow") // runs until its Timeout, 2 s
	defer flakyMode.Store("ok")
	hits := flakyHits.Load()
	client := lambdasdk.NewFromConfig(st.AWSConfig())
	start := time.Now()
	out, err := client.Invoke(ctx, &lambdasdk.InvokeInput{
		FunctionName: aws.String("FlakyFunction"), InvocationType: lambdatypes.InvocationTypeEvent, Payload: []byte(`{}`),
	})
	answered := time.Since(start)
	if err != nil || out.StatusCode != http.StatusAccepted {
		t.Fatalf("Invoke (Event): %v, status %v", err, out)
	}
	if answered > time.Second {
		t.Errorf("answered after %s: the handler, which runs 2 s, was waited for", answered)
	}
	st.WaitAsync()
	if ran := time.Since(start); ran < 2*time.Second {
		t.Errorf("WaitAsync returned after %s, before the handler's end", ran)
	}
	if n := flakyHits.Load() - hits; n != 1 {
		t.Errorf("the handler ran %d times, want 1", n)
	}
}
