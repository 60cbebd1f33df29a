// Package app is the wiring shared by the Lambda mains and the local stack: it reads a
// function's configuration from its environment, builds the concrete AWS clients and
// hands out the handlers. On Lambda the environment is the process's; in the local
// stack each in-process function gets its own (a getenv function).
//
// Nothing here runs an AWS call at start: a step function asks for its first
// invocation straight away (infra/smoke's TestStepsCallNoAWSBeforeTheirFirstInvocation).
// The web side is in webapp, so that the step functions' binaries hold none of it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"nianbao/shared/approval"
	"nianbao/shared/awsconf"
	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/mail"
	"nianbao/shared/signin"
	"nianbao/shared/store"

	_ "time/tzdata" // dates are 北京时间; Lambda has no zone files
)

// Config is a function's configuration, from its environment.
type Config struct {
	TableName       string // TABLE_NAME
	SiteBucket      string // SITE_BUCKET
	StateMachineARN string // STATE_MACHINE_ARN (api only)
	SignInFunction  string // SIGNIN_FUNCTION (api only): the function that mails sign-in links
	BaseURL         string // BASE_URL: where people open the app
	SiteURL         string // SITE_URL: the public address of the published tree's root
	MailFrom        string // MAIL_FROM
	OperatorEmail   string // OPERATOR_EMAIL: told about failures when an agency has no 办公室 address
	// The server key for link secrets: LINK_KEY directly (local), or the Secrets Manager
	// secret LINK_KEY_SECRET_ARN (AWS).
	LinkKey          string
	LinkKeySecretARN string
	SecureCookies    bool // SECURE_COOKIES=true behind HTTPS
	// Mail transport: MAIL_TRANSPORT=ses (default) or smtp with SMTP_HOST, SMTP_PORT,
	// SMTP_USER and the password in the secret SMTP_PASSWORD_SECRET_ARN.
	MailTransport         string
	SMTPHost              string
	SMTPPort              int
	SMTPUser              string
	SMTPPasswordSecretARN string
}

// ConfigFrom reads the configuration from an environment.
func ConfigFrom(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{
		TableName:             getenv("TABLE_NAME"),
		SiteBucket:            getenv("SITE_BUCKET"),
		StateMachineARN:       getenv("STATE_MACHINE_ARN"),
		SignInFunction:        getenv("SIGNIN_FUNCTION"),
		BaseURL:               strings.TrimRight(getenv("BASE_URL"), "/"),
		SiteURL:               getenv("SITE_URL"),
		MailFrom:              getenv("MAIL_FROM"),
		OperatorEmail:         getenv("OPERATOR_EMAIL"),
		LinkKey:               getenv("LINK_KEY"),
		LinkKeySecretARN:      getenv("LINK_KEY_SECRET_ARN"),
		SecureCookies:         getenv("SECURE_COOKIES") == "true",
		MailTransport:         strings.ToLower(getenv("MAIL_TRANSPORT")),
		SMTPHost:              getenv("SMTP_HOST"),
		SMTPUser:              getenv("SMTP_USER"),
		SMTPPasswordSecretARN: getenv("SMTP_PASSWORD_SECRET_ARN"),
	}
	if c.MailTransport == "" {
		c.MailTransport = "ses"
	}
	if p := getenv("SMTP_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return c, fmt.Errorf("app: SMTP_PORT %q is not a number", p)
		}
		c.SMTPPort = n
	}
	var missing []string
	for name, v := range map[string]string{"TABLE_NAME": c.TableName, "BASE_URL": c.BaseURL, "MAIL_FROM": c.MailFrom} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if c.LinkKey == "" && c.LinkKeySecretARN == "" {
		missing = append(missing, "LINK_KEY or LINK_KEY_SECRET_ARN")
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("app: missing configuration: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// App holds the clients one function needs.
type App struct {
	Config Config
	AWS    aws.Config
	Store  *store.Store
	Mail   mail.Sender
	Keys   *links.Keyring
	// SFN and S3 exist only when an Option asks for them: a main that names neither
	// leaves those SDK clients out of its binary (docs/deploy.md, binary sizes).
	SFN lifecycle.SFNAPI
	S3  approval.S3API
	Log *slog.Logger
}

// Option adds a client to an App.
type Option func(*App)

// WithS3 adds the S3 client: PublishFunction writes the site.
func WithS3(a *App) { a.S3 = s3.NewFromConfig(a.AWS, awsconf.S3Options(a.AWS)) }

// WithSFN adds the Step Functions client: the API starts and stops executions and
// delivers decisions; RequestApproval delivers a decision taken while no token was live.
func WithSFN(a *App) { a.SFN = sfn.NewFromConfig(a.AWS) }

// New reads the configuration and builds the clients every function uses (table, link
// keyring, mail), and those opts ask for. It calls no AWS API: a key in Secrets Manager
// is read when a link is first made or checked (WithLinkKey, webapp), not here.
func New(ctx context.Context, getenv func(string) string, opts ...Option) (*App, error) {
	cfg, err := ConfigFrom(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconf.Load(ctx, getenv)
	if err != nil {
		return nil, err
	}
	a := &App{
		Config: cfg,
		AWS:    awsCfg,
		Store:  store.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName),
		Log:    slog.Default(),
	}
	for _, o := range opts {
		o(a)
	}
	secrets := secretsmanager.NewFromConfig(awsCfg)
	if cfg.LinkKey != "" {
		if a.Keys, err = links.NewKeyring([]byte(cfg.LinkKey)); err != nil {
			return nil, err
		}
	} else {
		arn := cfg.LinkKeySecretARN
		a.Keys = links.NewLazyKeyring(func(ctx context.Context) ([]byte, error) {
			return secretValue(ctx, secrets, arn)
		})
	}
	switch cfg.MailTransport {
	case "ses":
		a.Mail = &mail.SES{Client: sesv2.NewFromConfig(awsCfg), From: cfg.MailFrom}
	case "smtp":
		if a.Mail, err = smtpSender(ctx, cfg, secrets); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("app: MAIL_TRANSPORT %q: want ses or smtp", cfg.MailTransport)
	}
	return a, nil
}

type secretGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

func secretValue(ctx context.Context, sm secretGetter, arn string) ([]byte, error) {
	if arn == "" {
		return nil, errors.New("app: no secret configured")
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return nil, fmt.Errorf("app: read secret %s: %w", arn, err)
	}
	if out.SecretString != nil {
		return []byte(*out.SecretString), nil
	}
	return out.SecretBinary, nil
}

// Life is the one home of reports' state changes, on this function's clients.
func (a *App) Life() *lifecycle.Lifecycle {
	return &lifecycle.Lifecycle{
		Store:    a.Store,
		Workflow: &lifecycle.SFNWorkflow{Client: a.SFN, StateMachineARN: a.Config.StateMachineARN},
		Log:      a.Log,
	}
}

// SignIn is the sign-in function's mailer (shared/signin). It needs no link key: a
// sign-in link's secret is random, and only its hash is stored.
func (a *App) SignIn() *signin.Mailer {
	return &signin.Mailer{Store: a.Store, Mail: a.Mail, BaseURL: a.Config.BaseURL, Log: a.Log}
}

// SignInFunction is the logical id of the function that mails sign-in links.
const SignInFunction = "SignInFunction"

// SignInHandler builds the sign-in function's handler from an environment (the local
// stack's factory for SignInFunction).
func SignInHandler(ctx context.Context, getenv func(string) string) (lambda.Handler, error) {
	a, err := New(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return lambda.NewHandler(a.SignIn().Handle), nil
}

// Steps is the approval workflow's step handlers.
func (a *App) Steps() *approval.Steps {
	return &approval.Steps{
		Store: a.Store, Life: a.Life(), Mail: a.Mail, Keys: a.Keys,
		Publisher:     &approval.Publisher{S3: a.S3, Bucket: a.Config.SiteBucket, SiteURL: a.Config.SiteURL},
		BaseURL:       a.Config.BaseURL,
		OperatorEmail: a.Config.OperatorEmail,
		Log:           a.Log,
	}
}

// WithLinkKey is the handler of a step that mails approval links (RequestApproval,
// Remind): the link key is read, once, before the step first runs, and a failure to
// read it is the invocation's error, a TransientError the state machine retries.
func (a *App) WithLinkKey(handler any) lambda.Handler {
	return keyedHandler{keys: a.Keys, h: lambda.NewHandler(handler)}
}

type keyedHandler struct {
	keys *links.Keyring
	h    lambda.Handler
}

func (k keyedHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if err := k.keys.Load(ctx); err != nil {
		return nil, &approval.TransientError{Err: err}
	}
	return k.h.Invoke(ctx, payload)
}

// linkSteps are the steps that make links.
var linkSteps = []string{"RequestApprovalFunction", "RemindFunction"}

// stepHandler picks a step function's handler by the template's logical id. A switch,
// not a map of closures: a package-level map would keep every step, and all it
// reaches, in every function's binary.
func stepHandler(logicalID string, s *approval.Steps) any {
	switch logicalID {
	case "ValidateFunction":
		return s.Validate
	case "RequestApprovalFunction":
		return s.RequestApproval
	case "RemindFunction":
		return s.Remind
	case "ReturnFunction":
		return s.Return
	case "PublishFunction":
		return s.Publish
	case "NotifyFunction":
		return s.Notify
	case "RecordFailureFunction":
		return s.RecordFailure
	}
	return nil
}

var stepFunctions = []string{"ValidateFunction", "RequestApprovalFunction", "RemindFunction",
	"ReturnFunction", "PublishFunction", "NotifyFunction", "RecordFailureFunction"}

// WebFunction is the logical id of the api function.
const WebFunction = "ApiFunction"

// StepHandler builds the handler of one step function from an environment, with every
// client (the local stack runs all functions in one process).
func StepHandler(ctx context.Context, logicalID string, getenv func(string) string) (lambda.Handler, error) {
	if !slices.Contains(stepFunctions, logicalID) {
		return nil, fmt.Errorf("app: no step function %q", logicalID)
	}
	a, err := New(ctx, getenv, WithS3, WithSFN)
	if err != nil {
		return nil, err
	}
	if slices.Contains(linkSteps, logicalID) {
		return a.WithLinkKey(stepHandler(logicalID, a.Steps())), nil
	}
	return lambda.NewHandler(stepHandler(logicalID, a.Steps())), nil
}

// StepFunctions lists the logical ids of the step functions.
func StepFunctions() []string { return slices.Clone(stepFunctions) }

// UseJSONLogs makes slog write JSON, as Lambda's JSON log format expects.
func UseJSONLogs() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
}

// Fatal ends a function that cannot start, saying why in the log.
func Fatal(function string, err error) {
	slog.Error("cannot start", "function", function, "err", err)
	os.Exit(1)
}

func smtpSender(_ context.Context, cfg Config, secrets secretGetter) (mail.Sender, error) {
	if cfg.SMTPHost == "" || cfg.SMTPPort == 0 {
		return nil, errors.New("app: MAIL_TRANSPORT=smtp needs SMTP_HOST and SMTP_PORT")
	}
	s := &lazySMTP{
		smtp: mail.SMTP{
			Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, From: cfg.MailFrom,
			ImplicitTLS: cfg.SMTPPort == 465, // SMTPS (RFC 8314)
		},
		secretARN: cfg.SMTPPasswordSecretARN,
		secrets:   secrets,
	}
	return s, nil
}

// lazySMTP reads the SMTP password with the first message. Every function builds a
// sender, but only those that send mail may read the password (template.yaml's
// MailSendPolicy), and the secret may still be empty right after the first deploy.
type lazySMTP struct {
	secretARN string
	secrets   secretGetter

	mu     sync.Mutex
	smtp   mail.SMTP
	loaded bool
}

func (l *lazySMTP) Send(ctx context.Context, m mail.Message) error {
	l.mu.Lock()
	if !l.loaded && l.secretARN != "" {
		pw, err := secretValue(ctx, l.secrets, l.secretARN)
		if err != nil {
			l.mu.Unlock()
			return fmt.Errorf("app: SMTP password: %w", err)
		}
		l.smtp.Password = string(pw)
	}
	l.loaded = true
	s := l.smtp
	l.mu.Unlock()
	return s.Send(ctx, m)
}
