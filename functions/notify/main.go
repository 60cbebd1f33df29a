// Command notify is the NotifyFunction of the approval state machine: the
// "Notify" step of shared/approval, wired to its AWS clients.
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
		app.Fatal("NotifyFunction", err)
	}
	lambda.Start(a.Steps().Notify)
}
