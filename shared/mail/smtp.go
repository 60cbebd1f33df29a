package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SMTP sends through an SMTP relay (for regions without SES, such as the AWS China
// regions). It uses TLS from the first byte when ImplicitTLS is set (port 465, RFC 8314),
// else STARTTLS when the server offers it, and PLAIN auth when a user is set (net/smtp
// only sends credentials over TLS or to localhost).
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
	// ImplicitTLS: the connection is TLS from the start (SMTPS). The relays of the
	// Chinese mail providers are commonly reached this way on port 465, since Lambda
	// cannot use port 25.
	ImplicitTLS bool
	// Timeout bounds one delivery (default 20 s).
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests use a self-signed server).
	TLSConfig *tls.Config
}

// Send delivers one message to all its recipients in one SMTP transaction.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	var conn net.Conn
	var err error
	if s.ImplicitTLS {
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: tlsConfig}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		d := net.Dialer{Timeout: timeout}
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: connect to SMTP %s: %w", addr, err)
	}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: SMTP greeting from %s: %w", addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !s.ImplicitTLS {
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("mail: STARTTLS with %s: %w", addr, err)
		}
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, s.Host)); err != nil {
			return fmt.Errorf("mail: SMTP auth as %s: %w", s.User, err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return fmt.Errorf("mail: MAIL FROM %s: %w", s.From, err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("mail: RCPT TO %s: %w", to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(s.compose(m)); err != nil {
		w.Close()
		return fmt.Errorf("mail: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: end of message: %w", err)
	}
	// The relay has taken the message: a failed QUIT must not fail the step, whose
	// retry would send it a second time.
	c.Quit()
	return nil
}

// compose writes the MIME message: UTF-8 subject encoded per RFC 2047, text and (when
// present) HTML as base64 parts of a multipart/alternative.
func (s *SMTP) compose(m Message) []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", s.From)
	// One recipient per line: a long list stays within the line length limits.
	header("To", strings.Join(m.To, ",\r\n "))
	header("Subject", encodeSubject(m.Subject))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+randomHex(12)+"@"+messageIDDomain(s.From, s.Host)+">")
	header("MIME-Version", "1.0")
	part := func(contentType, body string) {
		header("Content-Type", contentType+"; charset=UTF-8")
		header("Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		enc := base64.StdEncoding.EncodeToString([]byte(body))
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	if m.HTML == "" {
		part("text/plain", m.Text)
		return b.Bytes()
	}
	boundary := "nianbao-" + randomHex(12)
	header("Content-Type", "multipart/alternative;\r\n boundary=\""+boundary+"\"")
	b.WriteString("\r\n")
	b.WriteString("--" + boundary + "\r\n")
	part("text/plain", m.Text)
	b.WriteString("--" + boundary + "\r\n")
	part("text/html", htmlDocument(m.HTML))
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

// encodeSubject writes a subject as RFC 2047 encoded words, each on a line of its own
// (folding white space between encoded words is not part of the text), short enough
// that every line, "Subject: " included, stays within RFC 5322's 78 characters. A
// Chinese subject of 30 characters is 90 octets of UTF-8: one encoded word would not fit.
func encodeSubject(s string) string {
	const maxPlain = 78 - len("Subject: ")
	const chunk = 39 // octets per word: 52 of base64, 64 with "=?UTF-8?b?…?="
	if len(s) <= maxPlain && !needsEncoding(s) {
		return s
	}
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n > 0 && n+size > chunk {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// needsEncoding reports whether a header text has anything but printable ASCII, or
// something an RFC 2047 decoder would take for an encoded word.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return true
		}
	}
	return strings.Contains(s, "=?")
}

// messageIDDomain is the From address's domain, the usual right-hand side of a
// Message-ID, else the relay's name.
func messageIDDomain(from, host string) string {
	if _, domain, ok := strings.Cut(from, "@"); ok && domain != "" {
		return strings.Trim(domain, "<> ")
	}
	return host
}

func randomHex(n int) string {
	buf := make([]byte, n)
	rand.Read(buf)
	return hex.EncodeToString(buf)
}
