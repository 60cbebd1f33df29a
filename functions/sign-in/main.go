// Command sign-in is the SignInFunction: it mails a sign-in link to a registered
// address (shared/signin). The api invokes it asynchronously, so that its answer is the
// same, in the same time, whatever the address.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"nianbao/shared/app"
)

func main() {
	app.UseJSONLogs()
	a, err := app.New(context.Background(), os.Getenv)
	if err != nil {
		app.Fatal("SignInFunction", err)
	}
	lambda.Start(a.SignIn().Handle)
}
