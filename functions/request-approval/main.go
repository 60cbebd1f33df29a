// Command request-approval is the RequestApprovalFunction of the approval state machine: the
// "RequestApproval" step of shared/approval, wired to its AWS clients.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"nianbao/shared/app"
)

func main() {
	app.UseJSONLogs()
	a, err := app.New(context.Background(), os.Getenv, app.WithSFN)
	if err != nil {
		app.Fatal("RequestApprovalFunction", err)
	}
	lambda.Start(a.WithLinkKey(a.Steps().RequestApproval))
}
