package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"nianbao/shared/approval"
	"nianbao/shared/links"
	"nianbao/shared/mail"
)

type countingSecrets struct {
	calls int
	err   error
}

func (c *countingSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls++
	if c.err != nil {
		return nil, c.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String("pw")}, nil
}

// The SMTP password is read with the first message, not when a function starts: the
// functions that send no mail have no permission to read it.
func TestSMTPPasswordReadWithTheFirstMessage(t *testing.T) {
	cfg := Config{MailFrom: "noreply@example.gov.cn", SMTPHost: "127.0.0.1", SMTPPort: 1, SMTPUser: "u",
		SMTPPasswordSecretARN: "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:smtp"}
	sm := &countingSecrets{}
	s, err := smtpSender(context.Background(), cfg, sm)
	if err != nil {
		t.Fatal(err)
	}
	if sm.calls != 0 {
		t.Fatalf("the secret was read %d times before any mail", sm.calls)
	}
	msg := mail.Message{To: []string{"a@example.gov.cn"}, Subject: "s", Text: "t"}
	for range 2 {
		s.Send(context.Background(), msg) // port 1: refused, after the password is read
	}
	if sm.calls != 1 {
		t.Errorf("the secret was read %d times for two messages, want 1", sm.calls)
	}
	if l := s.(*lazySMTP); l.smtp.Password != "pw" || l.smtp.ImplicitTLS {
		t.Errorf("sender %+v", l.smtp)
	}

	failing := &countingSecrets{err: errors.New("AccessDeniedException")}
	s, _ = smtpSender(context.Background(), cfg, failing)
	if err := s.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "SMTP password") {
		t.Errorf("err = %v, want the secret's failure", err)
	}

	cfg.SMTPPort = 465
	s, _ = smtpSender(context.Background(), cfg, sm)
	if !s.(*lazySMTP).smtp.ImplicitTLS {
		t.Error("port 465 is SMTPS: TLS from the first byte")
	}
}

// A step that mails links reads the key before it first runs, once; a failure is the
// invocation's error, a TransientError, and the step does not run.
func TestWithLinkKeyReadsBeforeTheStep(t *testing.T) {
	reads, fail, ran := 0, true, 0
	a := &App{Keys: links.NewLazyKeyring(func(context.Context) ([]byte, error) {
		reads++
		if fail {
			return nil, errors.New("ThrottlingException")
		}
		return []byte(strings.Repeat("k", 32)), nil
	})}
	h := a.WithLinkKey(func(ctx context.Context) error { ran++; return nil })
	if reads != 0 {
		t.Fatal("the key was read before any invocation")
	}
	_, err := h.Invoke(context.Background(), []byte(`{}`))
	var te *approval.TransientError
	if !errors.As(err, &te) || ran != 0 {
		t.Fatalf("with the key unreadable: %v (ran %d), want a TransientError and no step", err, ran)
	}
	fail = false
	for range 2 {
		if _, err := h.Invoke(context.Background(), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 2 || ran != 2 {
		t.Errorf("%d reads and %d runs, want 2 and 2", reads, ran)
	}
}
