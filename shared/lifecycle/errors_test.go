package lifecycle

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// A throttled store is CodeUnavailable wherever it surfaces (the web answers 503 with
// Retry-After); other AWS errors keep no code (500, logged).
func TestThrottledStoreIsUnavailable(t *testing.T) {
	for _, err := range []error{
		&ddbtypes.ProvisionedThroughputExceededException{Message: aws.String("exceeded")},
		&ddbtypes.RequestLimitExceeded{Message: aws.String("exceeded")},
		&smithy.GenericAPIError{Code: "ThrottlingException"},
	} {
		wrapped := fmt.Errorf("store: save a/2025 at rev 3: %w", err)
		if c := ErrorCode(wrapped); c != CodeUnavailable {
			t.Errorf("%T: code %q, want unavailable", err, c)
		}
		if e, ok := AsError(wrapped); !ok || e.Message == "" || !errors.Is(e, err) {
			t.Errorf("%T: AsError %v %v", err, e, ok)
		}
	}
	for _, err := range []error{
		&ddbtypes.ResourceNotFoundException{Message: aws.String("no table")},
		errors.New("anything"),
	} {
		if c := ErrorCode(err); c != CodeInternal {
			t.Errorf("%T: code %q, want internal", err, c)
		}
	}
}
