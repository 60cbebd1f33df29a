package lifecycle

import (
	"errors"
	"fmt"

	"nianbao/shared/report"
	"nianbao/shared/store"
)

// Code classifies an application error. The web maps each code to an HTTP status in one
// table (shared/web's codeStatus); the JSON answer carries it as "code".
type Code string

// The application error codes.
const (
	CodeInvalid       Code = "invalid"                // the request cannot be read (bad JSON, bad If-Match)
	CodeUnauthorized  Code = "unauthorized"           // no session
	CodeForbidden     Code = "forbidden"              // signed in, but not allowed
	CodeNotFound      Code = "not_found"              // no such agency, report, page
	CodeMethod        Code = "method_not_allowed"     // the address exists, not for this method
	CodeConflict      Code = "conflict"               // the report's state does not allow it now
	CodeStale         Code = "stale"                  // saved from an old revision (412, with the current draft)
	CodeTooLarge      Code = "too_large"              // the body or the draft is over its limit
	CodeUnsupported   Code = "unsupported_media_type" // not JSON where JSON is required
	CodeUnprocessable Code = "unprocessable"          // readable, but not acceptable (findings, a missing reason)
	CodeUnavailable   Code = "unavailable"            // a service behind us is down for now: try again
	CodeInternal      Code = "internal"               // a bug or an unexpected failure: logged, never detailed
)

// Error is an application error: a code and a message in Chinese for the person who
// caused it, with what the answer shows beside it. Err is the cause, for the log only.
type Error struct {
	Code    Code
	Message string
	// Where in a document the problem is (decoding errors).
	Path         string
	Line, Column int
	// Findings are the validator's, when a report cannot be submitted.
	Findings []report.Finding
	// Current is the report as it now stands, for CodeStale: the editor shows both.
	Current *store.Report
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return string(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf is an application error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode is the code of an application error anywhere in err's chain (a throttled
// store is CodeUnavailable, as AsError says); CodeInternal for any other error, and ""
// for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return CodeInternal
}

// AsError finds the application error in err's chain. The one place where an error of
// the services behind is given a code: the store throttled (DynamoDB's throughput or
// request rate exceeded) is CodeUnavailable, whatever was being done.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	if store.IsThrottled(err) {
		return &Error{Code: CodeUnavailable, Message: "系统繁忙，请稍后再试。", Err: err}, true
	}
	return nil, false
}

// Codes lists every code, for the tests that check each has its status and words.
func Codes() []Code {
	return []Code{CodeInvalid, CodeUnauthorized, CodeForbidden, CodeNotFound, CodeMethod, CodeConflict, CodeStale,
		CodeTooLarge, CodeUnsupported, CodeUnprocessable, CodeUnavailable, CodeInternal}
}
