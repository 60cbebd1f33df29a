// Command remind is the RemindFunction of the approval state machine: the
// "Remind" step of shared/approval, wired to its AWS clients.
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
		app.Fatal("RemindFunction", err)
	}
	lambda.Start(a.WithLinkKey(a.Steps().Remind))
}
