// Package signin mails sign-in links. The api does not: for every well-formed address
// it hands a Request to the sign-in function (functions/sign-in), asynchronously, and
// answers the same thing at once. Whether the address is registered, throttled, or the
// mail fails is known only here, after the answer has gone: one request cannot tell a
// registered address from an unknown one, by status, body or time.
package signin

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"time"

	"nianbao/shared/links"
	"nianbao/shared/mail"
	"nianbao/shared/store"
)

// Request is what the api hands on: an address that parsed as one (no display name),
// and the client's address for the log.
type Request struct {
	Email string `json:"email"`
	IP    string `json:"ip,omitempty"`
}

// At most this many sign-in mails to one address per window.
const (
	MailsPerWindow = 5
	MailWindow     = 15 * time.Minute
)

// Mailer looks the address up, throttles, makes the link and mails it.
type Mailer struct {
	Store   *store.Store
	Mail    mail.Sender
	BaseURL string // links start with it
	Log     *slog.Logger
}

func (m *Mailer) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

// Handle is the sign-in function's handler. A failure is logged; it is also returned,
// so that Lambda retries the asynchronous invocation (a store or mail outage). Nobody
// waits for the answer.
func (m *Mailer) Handle(ctx context.Context, req Request) error {
	if err := m.Send(ctx, req); err != nil {
		m.log().ErrorContext(ctx, "sign-in link not sent", "ip", req.IP, "err", err)
		return err
	}
	return nil
}

// Send mails a sign-in link to a registered address; an unknown or throttled address
// gets nothing, and no error.
func (m *Mailer) Send(ctx context.Context, req Request) error {
	if req.Email == "" {
		return errors.New("signin: no address")
	}
	u, err := m.Store.GetUser(ctx, req.Email)
	if err != nil {
		if store.IsNotFound(err) {
			m.log().InfoContext(ctx, "sign-in link for an unknown address", "ip", req.IP)
			return nil
		}
		return fmt.Errorf("signin: look the user up: %w", err)
	}
	ok, err := m.Store.AllowLoginMail(ctx, u.Email, MailsPerWindow, MailWindow)
	if err != nil {
		return fmt.Errorf("signin: throttle: %w", err)
	}
	if !ok {
		// The person has links in their inbox already.
		m.log().WarnContext(ctx, "sign-in mail throttled", "ip", req.IP)
		return nil
	}
	now := m.Store.Now()
	id, secret := store.RandomID(), links.RandomSecret()
	if err := m.Store.CreateLogin(ctx, store.LoginLink{
		ID: id, Email: u.Email, SecretHash: links.Hash(secret), Created: now, Expires: now.Add(links.LoginLife),
	}); err != nil {
		return fmt.Errorf("signin: create the link: %w", err)
	}
	link := links.LoginURL(m.BaseURL, id, secret)
	use := "打开链接后点击「登录」。链接 " + links.Lifetime(links.LoginLife) + "内有效，只能使用一次。"
	if err := m.Mail.Send(ctx, mail.Message{
		To:      []string{u.Email},
		Subject: "【年报】登录链接",
		Text: "登录链接：" + link + "\n\n" + use + "\n" +
			"如果不是您本人申请的，请忽略本邮件。\n",
		HTML: `<p><a href="` + template.HTMLEscapeString(link) + `" style="font-size:1.1em;font-weight:bold">登录年报系统</a></p>` +
			`<p>` + use + `</p><p>如果不是您本人申请的，请忽略本邮件。</p>`,
	}); err != nil {
		return fmt.Errorf("signin: mail the link: %w", err)
	}
	return nil
}
