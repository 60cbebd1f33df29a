package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// SFNAPI names the Step Functions calls SFNWorkflow makes.
type SFNAPI interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	StopExecution(ctx context.Context, in *sfn.StopExecutionInput, opts ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

// SFNWorkflow is the Workflow on Step Functions: the approval state machine
// (workflow/approval.asl.json).
type SFNWorkflow struct {
	Client          SFNAPI
	StateMachineARN string
}

// Start starts the execution of one version.
func (w *SFNWorkflow) Start(ctx context.Context, name string, in Execution) (string, error) {
	input, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("lifecycle: encode execution input: %w", err)
	}
	if _, err := w.Client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(w.StateMachineARN), Name: aws.String(name), Input: aws.String(string(input)),
	}); err != nil {
		return "", fmt.Errorf("lifecycle: start execution %s: %w", name, err)
	}
	// The name makes the ARN: the same one withdraw computes when none was recorded.
	return w.ExecutionARN(name), nil
}

// Exists asks for the execution of that name.
func (w *SFNWorkflow) Exists(ctx context.Context, name string) bool {
	_, err := w.Client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(w.ExecutionARN(name))})
	return err == nil
}

// Stop stops an execution, naming the error the state machine ends with "Withdrawn".
func (w *SFNWorkflow) Stop(ctx context.Context, arn, cause string) error {
	if _, err := w.Client.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(arn), Error: aws.String("Withdrawn"), Cause: aws.String(cause),
	}); err != nil {
		return fmt.Errorf("lifecycle: stop execution %s: %w", arn, err)
	}
	return nil
}

// Deliver sends a decision with SendTaskSuccess; a token no longer live is ErrTaskClosed.
func (w *SFNWorkflow) Deliver(ctx context.Context, token, output string) error {
	if _, err := w.Client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &token, Output: &output}); err != nil {
		if TaskClosed(err) {
			return fmt.Errorf("%w: %w", ErrTaskClosed, err)
		}
		return err
	}
	return nil
}

// ExecutionARN is the ARN of the execution with a name on the state machine
// (arn:…:stateMachine:M → arn:…:execution:M:name).
func (w *SFNWorkflow) ExecutionARN(name string) string {
	return strings.Replace(w.StateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// TaskClosed reports whether a Step Functions error says the task token is no longer
// live: the wait ended (timeout, stop) or the token was never ours.
func TaskClosed(err error) bool {
	var dne *sfntypes.TaskDoesNotExist
	var tto *sfntypes.TaskTimedOut
	var inv *sfntypes.InvalidToken
	return errors.As(err, &dne) || errors.As(err, &tto) || errors.As(err, &inv)
}
