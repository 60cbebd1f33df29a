// Package mail sends nianbao's messages: sign-in links, approval requests, reminders,
// returns and publication notices. SES v2 is the default transport; where SES does not
// exist (the AWS China regions) an SMTP relay is used instead.
package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// Message is one email. Text is always sent; HTML, when set, is the alternative part.
type Message struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

// Sender sends messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// check refuses a message that cannot be sent, before any transport is bothered.
func (m Message) check() error {
	if len(m.To) == 0 {
		return errors.New("mail: no recipient")
	}
	for _, to := range m.To {
		if !strings.Contains(to, "@") || strings.ContainsAny(to, "\r\n<>,") {
			return fmt.Errorf("mail: invalid recipient %q", to)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("mail: subject contains a line break")
	}
	return nil
}

// SESAPI is the one SES v2 method the sender uses.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SES sends through Amazon SES v2.
type SES struct {
	Client SESAPI
	From   string
}

// htmlDocument makes a message's HTML a document of its own, with a viewport, so that it
// reads on a phone at the phone's width.
func htmlDocument(body string) string {
	if strings.HasPrefix(strings.TrimSpace(strings.ToLower(body)), "<!doctype") {
		return body
	}
	return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
		`<body style="font-size:16px;line-height:1.6;overflow-wrap:anywhere">` + body + `</body></html>`
}

// Send sends one message to all its recipients.
func (s *SES) Send(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	body := &types.Body{Text: &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")}}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(htmlDocument(m.HTML)), Charset: aws.String("UTF-8")}
	}
	_, err := s.Client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &types.Destination{ToAddresses: m.To},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
			Body:    body,
		}},
	})
	if err != nil {
		return fmt.Errorf("mail: SES send %q to %v: %w", m.Subject, m.To, err)
	}
	return nil
}
