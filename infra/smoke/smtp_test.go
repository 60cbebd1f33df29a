package smoke_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"nianbao/shared/approval"
)

// relay is an SMTP relay on loopback that keeps what it is given, after PLAIN auth.
type relay struct {
	user, password string
	mu             sync.Mutex
	got            []relayed
}

type relayed struct {
	user string
	to   []string
	data []byte
}

type relaySession struct {
	r   *relay
	msg relayed
}

func (s *relaySession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *relaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.r.user || pass != s.r.password {
			return errors.New("invalid credentials")
		}
		s.msg.user = user
		return nil
	}), nil
}
func (s *relaySession) Mail(string, *smtp.MailOptions) error {
	if s.msg.user == "" {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	s.r.mu.Lock()
	s.r.got = append(s.r.got, s.msg)
	s.r.mu.Unlock()
	return nil
}
func (s *relaySession) Reset()        { s.msg = relayed{user: s.msg.user} }
func (s *relaySession) Logout() error { return nil }

// The China regions' path, through the real binary: MAIL_TRANSPORT=smtp, the password
// read from Secrets Manager (the stack's moto) with the first message, delivered to a
// relay. (TLS and the message format are tested in shared/mail; the relay is on
// 127.0.0.1, where net/smtp allows PLAIN in clear.)
func TestSMTPTransportThroughTheBinary(t *testing.T) {
	st.ResetT(t)
	bins, functions := buildAll(t)
	seed(t, 2026)
	ctx := context.Background()

	r := &relay{user: "nianbao@smoke.local", password: "冒烟-pw"}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	srv.Domain = "relay.smoke.local"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	sm := secretsmanager.NewFromConfig(st.AWSConfig())
	sec, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("smoke-smtp-password"), SecretString: aws.String(r.password)})
	if err != nil {
		t.Fatal(err)
	}

	env := append(environment(t, "RequestApprovalFunction"),
		"MAIL_TRANSPORT=smtp", "SMTP_HOST=127.0.0.1",
		"SMTP_PORT="+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), "SMTP_USER="+r.user,
		"SMTP_PASSWORD_SECRET_ARN="+aws.ToString(sec.ARN))
	p := start(t, filepath.Join(bins, functions["RequestApprovalFunction"]), "RequestApprovalFunction", env)
	p.invoke(t, approval.AwaitInput{State: input(2026), Token: "smoke-task-token"})

	r.mu.Lock()
	got := r.got
	r.mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("the relay got %d messages, want 1 (stdout:\n%s)", len(got), &p.stdout)
	}
	if got[0].user != r.user || strings.Join(got[0].to, ",") != "director@smoke.local" {
		t.Errorf("relayed as %q to %v", got[0].user, got[0].to)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got[0].data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if !strings.Contains(subject, "待审批") {
		t.Errorf("subject %q", subject)
	}
	if n := len(st.Mailbox()); n != 0 {
		t.Errorf("%d messages also went through SES", n)
	}
}
