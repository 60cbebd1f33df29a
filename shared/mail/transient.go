package mail

import (
	"context"
	"errors"
	"io"
	"net"
	"net/textproto"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Transient reports whether a send failed for a reason that passes: SES throttling or a
// sending quota of the moment, a 5xx from SES, an SMTP 4xx reply, a network error. Such a
// send is worth retrying with backoff; any other failure (an unverified identity, a
// refused address, an SMTP 5xx) will fail the same way again.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "TooManyRequestsException", "LimitExceededException", "ThrottlingException", "Throttling",
			"ServiceUnavailable", "InternalFailure", "InternalServiceError":
			return true
		}
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) {
		if c := resp.HTTPStatusCode(); c == 429 || c >= 500 {
			return true
		}
		return false
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code >= 400 && reply.Code < 500
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, net.ErrClosed)
}
