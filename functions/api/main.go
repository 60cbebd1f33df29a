// Command api is the web app (JSON API, sign-in, review pages) behind API Gateway's
// HTTP API, wired to its AWS clients.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"nianbao/shared/app"
	"nianbao/shared/web"
)

func main() {
	app.UseJSONLogs()
	a, err := app.New(context.Background(), os.Getenv)
	if err != nil {
		app.Fatal("ApiFunction", err)
	}
	lambda.Start(web.APIGateway(a.Web().Handler()))
}
