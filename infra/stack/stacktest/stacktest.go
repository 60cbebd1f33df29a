// Package stacktest runs the local stack (infra/stack) for integration
// tests: one stack per test binary, started in TestMain, reset between tests.
//
//	var st *stacktest.Stack
//
//	func TestMain(m *testing.M) {
//		os.Exit(stacktest.Main(m, stack.Options{Lambdas: …}, &st))
//	}
//
//	func TestSomething(t *testing.T) {
//		st.ResetT(t)
//		… st.DynamoDB, st.SFN, st.Mail(ctx), st.History(ctx, arn) …
//	}
package stacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/infra/stack"
	"nianbao/shared/awsconf"
)

// Stack is a running local stack with SDK clients pointed at it.
type Stack struct {
	*stack.Stack
	DynamoDB *dynamodb.Client
	S3       *s3.Client
	SES      *sesv2.Client
	SFN      *sfn.Client
}

// Start starts a stack for tests: moto's output is kept out of the test
// log unless NIANBAO_MOTO_LOG=1, and the stack logs warnings only unless
// NIANBAO_STACK_LOG=debug. The caller must Stop it.
func Start(ctx context.Context, opts stack.Options) (*Stack, error) {
	if opts.MotoLog == nil {
		opts.MotoLog = io.Discard
		if os.Getenv("NIANBAO_MOTO_LOG") == "1" {
			opts.MotoLog = os.Stderr
		}
	}
	if opts.Log == nil {
		level := slog.LevelWarn
		if os.Getenv("NIANBAO_STACK_LOG") == "debug" {
			level = slog.LevelDebug
		}
		opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	s, err := stack.Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	cfg := s.AWSConfig()
	return &Stack{
		Stack:    s,
		DynamoDB: dynamodb.NewFromConfig(cfg),
		S3:       s3.NewFromConfig(cfg, awsconf.S3Options(cfg)),
		SES:      sesv2.NewFromConfig(cfg),
		SFN:      sfn.NewFromConfig(cfg),
	}, nil
}

// Main is for TestMain: it starts the stack, stores it in *st, runs the
// tests and stops the stack whatever happens. A stack that does not start
// fails the binary with the reason (e.g. the command that installs moto):
// integration tests never skip silently.
func Main(m *testing.M, opts stack.Options, st **Stack) int {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	s, err := Start(ctx, opts)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: the local stack did not start: %v\n", err)
		return 1
	}
	defer s.Stop()
	if s.MotoURL != "" {
		// Every integration test runs on the pinned moto: the work-arounds
		// and docs/local-stack.md are about that version.
		fmt.Fprintf(os.Stderr, "stacktest: moto %s (python %s), work-arounds: %s\n",
			s.Info.Moto, s.Info.Python, strings.Join(s.Info.Workarounds, ", "))
		pinned, err := stack.PinnedVersion("moto")
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
			return 1
		}
		if s.Info.Moto != pinned {
			fmt.Fprintf(os.Stderr, "FAIL: moto %s runs the local stack, %s pins %s: run make test (it installs the pinned tools into .venv), or .venv/bin/pip install -r %s\n",
				s.Info.Moto, stack.RequirementsFile, pinned, stack.RequirementsFile)
			return 1
		}
	}
	*st = s
	return m.Run()
}

// StartT starts a stack of its own for one test and stops it at the test's end.
func StartT(tb testing.TB, opts stack.Options) *Stack {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		tb.Fatalf("the local stack did not start: %v", err)
	}
	tb.Cleanup(func() { s.Stop() })
	return s
}

// Reset empties the stack: running executions are stopped, moto forgets
// everything (items, objects, mail, executions) and the template's resources
// are created again. About 0.1 s.
func (s *Stack) Reset(ctx context.Context) error {
	if s.MotoURL == "" {
		return errors.New("stacktest: Reset needs moto (not LocalStack)")
	}
	if err := s.stopExecutions(ctx); err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.MotoURL+"/moto-api/reset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("stacktest: reset moto: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stacktest: reset moto: %s", resp.Status)
	}
	s.ResetMailbox()
	s.ClearFaults()
	return s.Bootstrap(ctx)
}

// FaultT injects a fault (stack.Stack.InjectFault) for the rest of the test.
func (s *Stack) FaultT(tb testing.TB, f stack.Fault) *stack.InjectedFault {
	tb.Helper()
	in, err := s.InjectFault(f)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(in.Remove)
	return in
}

// ResetT is Reset for a test: it fails the test if the reset fails.
func (s *Stack) ResetT(tb testing.TB) {
	tb.Helper()
	if err := s.Reset(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

func (s *Stack) stopExecutions(ctx context.Context) error {
	machines, err := s.SFN.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil {
		return fmt.Errorf("stacktest: list state machines: %w", err)
	}
	for _, sm := range machines.StateMachines {
		p := sfn.NewListExecutionsPaginator(s.SFN, &sfn.ListExecutionsInput{
			StateMachineArn: sm.StateMachineArn, StatusFilter: sfntypes.ExecutionStatusRunning,
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("stacktest: list executions: %w", err)
			}
			for _, ex := range page.Executions {
				if _, err := s.SFN.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
					return fmt.Errorf("stacktest: stop %s: %w", aws.ToString(ex.ExecutionArn), err)
				}
			}
		}
	}
	return nil
}

var execCounter atomic.Int64

// StartExecution starts the state machine of a template resource (logical
// id) with input marshalled to JSON, and returns the execution ARN.
func (s *Stack) StartExecution(ctx context.Context, logicalID string, input any) (string, error) {
	arn, err := s.Ref(logicalID)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(input)
	if err != nil {
		return "", err
	}
	out, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(arn),
		Name:            aws.String(fmt.Sprintf("test-%d-%d", time.Now().UnixNano(), execCounter.Add(1))),
		Input:           aws.String(string(b)),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ExecutionArn), nil
}

// WaitExecution polls until the execution is no longer running.
func (s *Stack) WaitExecution(ctx context.Context, executionARN string) (*sfn.DescribeExecutionOutput, error) {
	for {
		out, err := s.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
		if err != nil {
			return nil, err
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stacktest: execution still running: %w", ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// History is the execution's whole event history, oldest first.
func (s *Stack) History(ctx context.Context, executionARN string) ([]sfntypes.HistoryEvent, error) {
	var events []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(s.SFN, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(executionARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		events = append(events, page.Events...)
	}
	return events, nil
}

// Mail is one message sent through SES v2, as moto kept it.
type Mail struct {
	ID      string
	From    string
	To      []string
	Cc      []string
	Bcc     []string
	Subject string
	// Body is a simple message's body as moto keeps it: the HTML part when
	// the message had both HTML and text.
	Body string
	// Raw is a raw (MIME) message; Text and HTML are its parts.
	Raw, Text, HTML string
}

// Mail is every message sent since the last reset, oldest first.
func (s *Stack) Mail(ctx context.Context) ([]Mail, error) {
	if s.MotoURL == "" {
		return nil, errors.New("stacktest: Mail needs moto (not LocalStack)")
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.MotoURL+"/moto-api/data.json", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("stacktest: read moto's data: %w", err)
	}
	defer resp.Body.Close()
	var data struct {
		SES struct {
			Message []struct {
				ID           string              `json:"id"`
				Source       string              `json:"source"`
				Subject      string              `json:"subject"`
				Body         string              `json:"body"`
				Destinations map[string][]string `json:"destinations"`
			} `json:"Message"`
			RawMessage []struct {
				ID           string   `json:"id"`
				Source       string   `json:"source"`
				Destinations []string `json:"destinations"`
				RawData      string   `json:"raw_data"`
			} `json:"RawMessage"`
		} `json:"ses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		return nil, fmt.Errorf("stacktest: moto's data.json: %w", err)
	}
	var out []Mail
	for _, m := range data.SES.Message {
		out = append(out, Mail{
			ID: m.ID, From: m.Source, Subject: m.Subject, Body: m.Body,
			To: m.Destinations["ToAddresses"], Cc: m.Destinations["CcAddresses"], Bcc: m.Destinations["BccAddresses"],
		})
	}
	for _, m := range data.SES.RawMessage {
		ml := Mail{ID: m.ID, From: m.Source, To: m.Destinations, Raw: m.RawData}
		if err := parseMIME(&ml); err != nil {
			return nil, fmt.Errorf("stacktest: raw message %s: %w", m.ID, err)
		}
		out = append(out, ml)
	}
	return out, nil
}

func parseMIME(ml *Mail) error {
	msg, err := mail.ReadMessage(strings.NewReader(ml.Raw))
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		ml.Subject = subj
	}
	return mimePart(ml, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

func mimePart(ml *Mail, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := mimePart(ml, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	text, err := decodeBody(encoding, body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		ml.Text = text
	case "text/html":
		ml.HTML = text
	}
	return nil
}
