// Command bare is the yardstick of the functions' cold start: a bare aws-lambda-go
// binary with the SDK's configuration and a DynamoDB client, and nothing of nianbao
// (infra/smoke's BenchmarkColdStart).
package main

import (
	"context"
	"encoding/json"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		_ = db
		return in, nil
	})
}
