package stack

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Faults: a test makes the gateway answer the next calls of one AWS operation with an
// error, in the format the service's protocol uses, instead of passing them to moto —
// to see what the code does when AWS throttles, refuses or fails. Only the local stack
// has a gateway; nothing here is on a path the deployed functions take.
//
// Each HTTP request is a call: the SDK's own retries of throttling and 5xx are calls
// too — 3 attempts by default, 4 for DynamoDB — so a fault of 3 calls fails one SES or
// S3 operation (4 one DynamoDB operation), and a fault of 2 is absorbed by the SDK.

// Fault is an error the gateway answers for an operation.
type Fault struct {
	// Service is the SigV4 signing name of the client's requests ("ses" for SES v2,
	// "s3", "dynamodb"); Operation the API operation ("SendEmail", "PutObject",
	// "UpdateItem").
	Service, Operation string
	// Calls is how many calls it answers; 0 answers every call until it is removed.
	Calls int
	Err   AWSError
}

// AWSError is an error as AWS answers it: the HTTP status, the error code the SDK
// reports (smithy.APIError's ErrorCode) and the message.
type AWSError struct {
	Status  int
	Code    string
	Message string
}

// Errors AWS answers, for faults.
var (
	// SESThrottled: SES v2 over its sending rate (the SDK retries it; mail.Transient).
	SESThrottled = AWSError{http.StatusTooManyRequests, "TooManyRequestsException", "Maximum sending rate exceeded."}
	// SESRejected: SES v2 refusing the message for good.
	SESRejected = AWSError{http.StatusBadRequest, "MessageRejected", "Email address is not verified. The following identities failed the check in region US-EAST-1: nianbao@example.com"}
	// S3InternalError: S3's 500 (the SDK retries it).
	S3InternalError = AWSError{http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."}
	// DynamoDBThrottled: a table over its provisioned (or on-demand) throughput.
	DynamoDBThrottled = AWSError{http.StatusBadRequest, "ProvisionedThroughputExceededException",
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}
)

// InjectedFault is a fault in place: what it did, and its removal.
type InjectedFault struct {
	f        Fault
	set      *faultSet
	answered int // calls answered with the error (under set.mu)
	passed   int // calls of the operation passed on to moto after it was spent
}

// Answered is how many calls the fault answered with its error.
func (f *InjectedFault) Answered() int {
	f.set.mu.Lock()
	defer f.set.mu.Unlock()
	return f.answered
}

// Passed is how many calls of the operation went on to moto once the fault was spent.
func (f *InjectedFault) Passed() int {
	f.set.mu.Lock()
	defer f.set.mu.Unlock()
	return f.passed
}

// Remove takes the fault away: the operation's calls go to moto again.
func (f *InjectedFault) Remove() {
	f.set.mu.Lock()
	defer f.set.mu.Unlock()
	for i, g := range f.set.faults {
		if g == f {
			f.set.faults = append(f.set.faults[:i:i], f.set.faults[i+1:]...)
			return
		}
	}
}

// faultSet is the gateway's faults, oldest first.
type faultSet struct {
	mu     sync.Mutex
	faults []*InjectedFault
}

// InjectFault makes the gateway answer the operation's next calls with f.Err. On an
// endpoint of its own (LocalStack) there is no gateway to do it.
func (s *Stack) InjectFault(f Fault) (*InjectedFault, error) {
	if s.gw == nil {
		return nil, errors.New("stack: faults need the gateway (moto), not " + s.Endpoint)
	}
	if f.Service == "" || f.Operation == "" || f.Err.Status == 0 || f.Err.Code == "" || f.Calls < 0 {
		return nil, errors.New("stack: a fault needs a service, an operation, an error and Calls ≥ 0")
	}
	set := &s.faults
	in := &InjectedFault{f: f, set: set}
	set.mu.Lock()
	set.faults = append(set.faults, in)
	set.mu.Unlock()
	return in, nil
}

// ClearFaults removes every fault.
func (s *Stack) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.faults = nil
	s.faults.mu.Unlock()
}

// handler answers the calls a fault is for, and passes the rest to next.
func (set *faultSet) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := set.take(r); f != nil {
			// The request is read to its end, as AWS would before answering: a client
			// still sending a body sees an answer, not a broken connection.
			io.Copy(io.Discard, r.Body)
			writeAWSError(w, r, f.Service, f.Err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// take is the fault that answers r, counting the call, or nil.
func (set *faultSet) take(r *http.Request) *Fault {
	set.mu.Lock()
	defer set.mu.Unlock()
	if len(set.faults) == 0 {
		return nil
	}
	service, op := operationOf(r)
	var spent *InjectedFault
	for _, in := range set.faults {
		if in.f.Service != service || in.f.Operation != op {
			continue
		}
		if in.f.Calls == 0 || in.answered < in.f.Calls {
			in.answered++
			return &in.f
		}
		spent = in
	}
	if spent != nil {
		spent.passed++
	}
	return nil
}

// operationOf names the AWS operation of a request: the service from the SigV4
// credential scope, the operation from X-Amz-Target (JSON protocols: DynamoDB, Step
// Functions) or from the method and path (REST: SES v2, S3).
func operationOf(r *http.Request) (service, op string) {
	service = signingName(r.Header.Get("Authorization"))
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		_, op, _ = strings.Cut(t, ".")
		return service, op
	}
	switch service {
	case "ses":
		return service, sesV2Operation(r)
	case "s3":
		return service, s3Operation(r)
	}
	return service, ""
}

// signingName is the service of "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, …".
func signingName(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// sesV2Operation knows the SES v2 operations the project calls.
func sesV2Operation(r *http.Request) string {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == sesSendPath:
		return "SendEmail"
	case r.Method == http.MethodGet && r.URL.Path == "/v2/email/identities":
		return "ListEmailIdentities"
	case r.Method == http.MethodPost && r.URL.Path == "/v2/email/identities":
		return "CreateEmailIdentity"
	}
	return ""
}

// s3Operation knows S3's object operations, path-style (/bucket/key), as the local
// stack's clients address it.
func s3Operation(r *http.Request) string {
	path := strings.TrimPrefix(r.URL.Path, "/")
	_, key, _ := strings.Cut(path, "/")
	if key == "" {
		switch {
		case r.Method == http.MethodGet && r.URL.Query().Has("list-type"):
			return "ListObjectsV2"
		case r.Method == http.MethodGet:
			return "ListObjects"
		}
		return ""
	}
	switch r.Method {
	case http.MethodPut:
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodGet:
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodDelete:
		return "DeleteObject"
	}
	return ""
}

// writeAWSError answers e as the service's protocol does, so that the SDK parses it into
// the error a real failure gives (smithy.APIError with e.Code).
func writeAWSError(w http.ResponseWriter, r *http.Request, service string, e AWSError) {
	requestID := newRequestID()
	h := w.Header()
	switch {
	case service == "s3": // REST-XML: <Error><Code>…
		h.Set("Content-Type", "application/xml")
		h.Set("X-Amz-Request-Id", requestID)
		w.WriteHeader(e.Status)
		body, _ := xml.Marshal(struct {
			XMLName   xml.Name `xml:"Error"`
			Code      string
			Message   string
			RequestID string `xml:"RequestId"`
		}{Code: e.Code, Message: e.Message, RequestID: requestID})
		io.WriteString(w, xml.Header)
		w.Write(body)
	case r.Header.Get("X-Amz-Target") != "": // JSON 1.0/1.1: {"__type": "namespace#Code"}
		ct := r.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "application/x-amz-json-") {
			ct = "application/x-amz-json-1.0"
		}
		h.Set("Content-Type", ct)
		h.Set("X-Amzn-RequestId", requestID)
		typ := e.Code
		if service == "dynamodb" {
			typ = "com.amazonaws.dynamodb.v20120810#" + e.Code
		}
		body, _ := json.Marshal(map[string]string{"__type": typ, "message": e.Message})
		// DynamoDB signs every answer with a CRC32 of its body, which its SDK checks.
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		w.WriteHeader(e.Status)
		w.Write(body)
	default: // REST-JSON (SES v2): X-Amzn-ErrorType and {"message": …}
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-RequestId", requestID)
		h.Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(e.Status)
		json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
	}
}
