package stack_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"nianbao/infra/stack"
)

// A fault answers an operation's calls with the error AWS would give, in the service's
// protocol: the SDK parses it into the same error code, and retries what it retries
// (3 attempts for throttling and 5xx, none for a refusal). Every attempt is a call.
func TestFaultsAnswerAsAWS(t *testing.T) {
	st.ResetT(t)
	ctx := context.Background()
	table, _ := st.Ref("Table")
	bucket, _ := st.Ref("Bucket")
	code := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return ""
	}
	put := func() error {
		_, err := st.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "FAULT"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "X"}}})
		return err
	}

	// DynamoDB, JSON 1.0: four calls fail one PutItem (the SDK's 4 attempts for
	// DynamoDB), the next PutItem goes through; another operation is never touched.
	f := st.FaultT(t, stack.Fault{Service: "dynamodb", Operation: "PutItem", Calls: 4, Err: stack.DynamoDBThrottled})
	if _, err := st.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: "FAULT"}, "SK": &ddbtypes.AttributeValueMemberS{Value: "X"}}}); err != nil {
		t.Errorf("GetItem under a PutItem fault: %v", err)
	}
	err := put()
	var pte *ddbtypes.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) || f.Answered() != 4 {
		t.Errorf("PutItem: %v (%d calls answered), want ProvisionedThroughputExceededException after 4", err, f.Answered())
	}
	if err := put(); err != nil || f.Passed() != 1 {
		t.Errorf("PutItem once the fault is spent: %v, %d passed", err, f.Passed())
	}

	// S3, XML: two 500s are absorbed by the SDK's retry; with every call failing, the
	// error is InternalError after 3 attempts.
	f = st.FaultT(t, stack.Fault{Service: "s3", Operation: "PutObject", Calls: 2, Err: stack.S3InternalError})
	if _, err := st.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("f/a.html"), Body: strings.NewReader("<p>a</p>")}); err != nil || f.Answered() != 2 {
		t.Errorf("PutObject after two 500s: %v (%d answered)", err, f.Answered())
	}
	f.Remove()
	f = st.FaultT(t, stack.Fault{Service: "s3", Operation: "PutObject", Err: stack.S3InternalError})
	if _, err := st.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("f/b.html"), Body: strings.NewReader("<p>b</p>")}); code(err) != "InternalError" || f.Answered() != 3 {
		t.Errorf("PutObject always 500: %v (%d answered), want InternalError after 3", err, f.Answered())
	}
	if _, err := st.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("f/a.html")}); err != nil {
		t.Errorf("GetObject under a PutObject fault: %v", err)
	}
	f.Remove()

	// SES v2, REST-JSON: throttling is retried, a refusal is not.
	send := func() error {
		_, err := st.SES.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("nianbao@example.com"),
			Destination:      &sestypes.Destination{ToAddresses: []string{"x@example.com"}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{
				Subject: &sestypes.Content{Data: aws.String("s")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("b")}}}},
		})
		return err
	}
	f = st.FaultT(t, stack.Fault{Service: "ses", Operation: "SendEmail", Err: stack.SESThrottled})
	var tmr *sestypes.TooManyRequestsException
	if err := send(); !errors.As(err, &tmr) || f.Answered() != 3 {
		t.Errorf("SendEmail throttled: %v (%d answered), want TooManyRequestsException after 3", err, f.Answered())
	}
	f.Remove()
	f = st.FaultT(t, stack.Fault{Service: "ses", Operation: "SendEmail", Err: stack.SESRejected})
	var mr *sestypes.MessageRejected
	if err := send(); !errors.As(err, &mr) || f.Answered() != 1 {
		t.Errorf("SendEmail refused: %v (%d answered), want MessageRejected, not retried", err, f.Answered())
	}
	if len(st.Mailbox()) != 0 {
		t.Errorf("refused mail in the mailbox: %v", st.Mailbox())
	}
}
