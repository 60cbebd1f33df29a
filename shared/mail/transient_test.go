package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func httpError(code int, err error) error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: err}
}

func TestTransient(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"SES throttling", fmt.Errorf("mail: %w", httpError(400, &types.TooManyRequestsException{})), true},
		{"SES sending quota", httpError(400, &types.LimitExceededException{}), true},
		{"SES 5xx", httpError(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), true},
		{"an unexplained 500", httpError(500, errors.New("boom")), true},
		{"unverified identity", httpError(400, &types.MessageRejected{}), false},
		{"account suspended", httpError(400, &types.AccountSuspendedException{}), false},
		{"SMTP 451 try later", &textproto.Error{Code: 451, Msg: "try again later"}, true},
		{"SMTP 550 no such user", &textproto.Error{Code: 550, Msg: "no such user"}, false},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"a deadline", fmt.Errorf("send: %w", context.DeadlineExceeded), true},
		{"a bad message", errors.New("mail: no recipient"), false},
		{"nil", nil, false},
	} {
		if got := Transient(tt.err); got != tt.want {
			t.Errorf("%s: Transient = %v, want %v", tt.name, got, tt.want)
		}
	}
}
