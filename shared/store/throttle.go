package store

import (
	"errors"

	"github.com/aws/smithy-go"
)

// IsThrottled says whether err is DynamoDB refusing for the moment (throughput or
// request rate exceeded, still so after the SDK's own retries): worth trying again
// shortly. A transaction cancelled for throttling says so in its reasons.
func IsThrottled(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded":
		return true
	}
	return false
}
