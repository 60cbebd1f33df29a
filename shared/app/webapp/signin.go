package webapp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"nianbao/shared/app"
	"nianbao/shared/signin"
	"nianbao/shared/web"
)

// LambdaAPI is the part of the Lambda client the sign-in queue uses.
type LambdaAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// invokeQueue hands sign-in requests to the sign-in function as asynchronous
// invocations (InvocationType Event): Lambda answers 202 once the event is queued, and
// the function runs after the api has answered.
type invokeQueue struct {
	client   LambdaAPI
	function string
}

func (q *invokeQueue) Enqueue(ctx context.Context, req signin.Request) error {
	payload, err := json.Marshal(req)
	if err != nil {
		return err
	}
	_, err = q.client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(q.function),
		InvocationType: lambdatypes.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return fmt.Errorf("webapp: invoke %s: %w", q.function, err)
	}
	return nil
}

// backgroundQueue runs the mailer in this process, after the answer: for a web app
// with no sign-in function (SIGNIN_FUNCTION empty), which only a long-running process
// can be.
type backgroundQueue struct {
	mailer *signin.Mailer
}

func (q *backgroundQueue) Enqueue(ctx context.Context, req signin.Request) error {
	go q.mailer.Handle(context.WithoutCancel(ctx), req)
	return nil
}

// signInQueue is the api's way to the sign-in function.
func signInQueue(a *app.App) web.SignInQueue {
	if a.Config.SignInFunction == "" {
		return &backgroundQueue{mailer: a.SignIn()}
	}
	return &invokeQueue{client: lambda.NewFromConfig(a.AWS), function: a.Config.SignInFunction}
}
