// Command publish is the PublishFunction of the approval state machine: the
// "Publish" step of shared/approval, wired to its AWS clients.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"nianbao/shared/app"
)

func main() {
	app.UseJSONLogs()
	a, err := app.New(context.Background(), os.Getenv, app.WithS3)
	if err != nil {
		app.Fatal("PublishFunction", err)
	}
	lambda.Start(a.Steps().Publish)
}
