// Command record-failure is the RecordFailureFunction of the approval state machine: the
// "RecordFailure" step of shared/approval, wired to its AWS clients.
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
		app.Fatal("RecordFailureFunction", err)
	}
	lambda.Start(a.Steps().RecordFailure)
}
