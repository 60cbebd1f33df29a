package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// relay is an SMTP server on a loopback port (github.com/emersion/go-smtp), with a
// self-signed certificate, that keeps what it receives.
type relay struct {
	srv  *smtp.Server
	addr *net.TCPAddr
	pool *x509.CertPool // trusts the relay's certificate

	user, password string // AUTH PLAIN accepts these

	mu       sync.Mutex
	received []received
}

// received is one delivered message and how it arrived.
type received struct {
	from      string
	to        []string
	data      []byte
	authUser  string
	tlsAtAuth bool // the credentials crossed a TLS connection
	tlsAtData bool
}

type relayOptions struct {
	startTLS    bool   // offer STARTTLS on a plain connection
	implicitTLS bool   // TLS from the first byte
	host        string // default 127.0.0.1
}

func startRelay(t *testing.T, o relayOptions) *relay {
	t.Helper()
	cert, pool := selfSigned(t)
	r := &relay{pool: pool, user: "nianbao", password: "s3cret-密码"}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{r: r, conn: c}, nil
	}))
	r.srv.Domain = "relay.test"
	r.srv.ReadTimeout = 10 * time.Second
	r.srv.WriteTimeout = 10 * time.Second
	r.srv.MaxRecipients = 50
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if o.startTLS {
		r.srv.TLSConfig = tlsConfig
	}
	if o.host == "" {
		o.host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().(*net.TCPAddr)
	if o.implicitTLS {
		ln = tls.NewListener(ln, tlsConfig)
	}
	go r.srv.Serve(ln)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *relay) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.received...)
}

// sender is an SMTP sender for the relay, trusting its certificate.
func (r *relay) sender(implicitTLS bool) *SMTP {
	return &SMTP{
		Host: r.addr.IP.String(), Port: r.addr.Port, User: r.user, Password: r.password,
		From: "noreply@nianbao.example.gov.cn", ImplicitTLS: implicitTLS, Timeout: 5 * time.Second,
		TLSConfig: &tls.Config{RootCAs: r.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
	}
}

type session struct {
	r    *relay
	conn *smtp.Conn
	msg  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.r.user || password != s.r.password {
			return errors.New("invalid credentials")
		}
		s.msg.authUser = username
		_, s.msg.tlsAtAuth = s.conn.TLSConnectionState()
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.msg.authUser == "" {
		return smtp.ErrAuthRequired
	}
	s.msg.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	_, s.msg.tlsAtData = s.conn.TLSConnectionState()
	s.r.mu.Lock()
	s.r.received = append(s.r.received, s.msg)
	s.r.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.msg = received{authUser: s.msg.authUser, tlsAtAuth: s.msg.tlsAtAuth} }
func (s *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "relay.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// A message as the approval steps send it: a Chinese subject, text and HTML.
var approvalRequest = Message{
	To:      []string{"section@ag1.example.gov.cn", "office@ag1.example.gov.cn"},
	Subject: "【待审批】甲区应急管理局 2025 年政府信息公开工作年度报告（第 1 版）——请股室负责人审核",
	Text:    "您好：\n\n请打开下面的链接审核。\nhttps://nianbao.example.gov.cn/review/abc#secret\n\n.以点开头的一行\n",
	HTML:    `<p>您好：</p><p><a href="https://nianbao.example.gov.cn/review/abc#secret">审核</a></p>`,
}

func TestSMTPStartTLSAuthAndMIME(t *testing.T) {
	r := startRelay(t, relayOptions{startTLS: true})
	if err := r.sender(false).Send(context.Background(), approvalRequest); err != nil {
		t.Fatal(err)
	}
	got := r.messages()
	if len(got) != 1 {
		t.Fatalf("the relay received %d messages, want 1", len(got))
	}
	m := got[0]
	if !m.tlsAtAuth || !m.tlsAtData {
		t.Errorf("TLS at AUTH %v, at DATA %v: want STARTTLS before the credentials", m.tlsAtAuth, m.tlsAtData)
	}
	checkDelivered(t, m, approvalRequest)
}

func TestSMTPImplicitTLS(t *testing.T) {
	r := startRelay(t, relayOptions{implicitTLS: true})
	if err := r.sender(true).Send(context.Background(), approvalRequest); err != nil {
		t.Fatal(err)
	}
	got := r.messages()
	if len(got) != 1 {
		t.Fatalf("the relay received %d messages, want 1", len(got))
	}
	if !got[0].tlsAtAuth {
		t.Error("credentials sent without TLS")
	}
	checkDelivered(t, got[0], approvalRequest)
}

func TestSMTPTextOnly(t *testing.T) {
	r := startRelay(t, relayOptions{startTLS: true})
	msg := Message{To: []string{"drafter@ag1.example.gov.cn"}, Subject: "Report published", Text: "已发布。"}
	if err := r.sender(false).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := r.messages()
	if len(got) != 1 {
		t.Fatalf("the relay received %d messages, want 1", len(got))
	}
	checkDelivered(t, got[0], msg)
}

func TestSMTPRefusals(t *testing.T) {
	t.Run("no TLS offered: no credentials in clear", func(t *testing.T) {
		// net/smtp sends credentials in clear to localhost only; 127.0.0.2 is a
		// loopback address that it does not count as localhost.
		r := startRelay(t, relayOptions{host: "127.0.0.2"})
		err := r.sender(false).Send(context.Background(), approvalRequest)
		if err == nil {
			t.Fatal("sent credentials over a connection without TLS")
		}
		if len(r.messages()) != 0 {
			t.Error("a message was delivered")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		r := startRelay(t, relayOptions{startTLS: true})
		s := r.sender(false)
		s.Password = "wrong"
		err := s.Send(context.Background(), approvalRequest)
		if err == nil || !strings.Contains(err.Error(), "auth") {
			t.Fatalf("err = %v, want an auth error", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		r := startRelay(t, relayOptions{startTLS: true})
		s := r.sender(false)
		s.TLSConfig = &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
		if err := s.Send(context.Background(), approvalRequest); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v, want a STARTTLS failure", err)
		}
	})
	t.Run("header injection", func(t *testing.T) {
		r := startRelay(t, relayOptions{startTLS: true})
		msg := approvalRequest
		msg.Subject = "x\r\nBcc: attacker@example.com"
		if err := r.sender(false).Send(context.Background(), msg); err == nil {
			t.Fatal("a subject with a line break was sent")
		}
	})
}

// checkDelivered parses what the relay received and compares it with what was sent:
// envelope, headers (RFC 2047 subject, line lengths), and each part.
func checkDelivered(t *testing.T, m received, sent Message) {
	t.Helper()
	if m.from != "noreply@nianbao.example.gov.cn" {
		t.Errorf("MAIL FROM %q", m.from)
	}
	if strings.Join(m.to, ",") != strings.Join(sent.To, ",") {
		t.Errorf("RCPT TO %v, want %v", m.to, sent.To)
	}
	for i, line := range strings.Split(string(m.data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets long (RFC 5322: at most 998)", i+1, len(line))
		}
		if line == "" { // end of the header
			break
		}
		if len(line) > 78 {
			t.Errorf("header line %d is %d characters long (RFC 5322: should be at most 78): %q", i+1, len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, m.data)
	}
	h := msg.Header
	if h.Get("From") != "noreply@nianbao.example.gov.cn" {
		t.Errorf("From: %q", h.Get("From"))
	}
	to, err := h.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	var toAddrs []string
	for _, a := range to {
		toAddrs = append(toAddrs, a.Address)
	}
	if strings.Join(toAddrs, ",") != strings.Join(sent.To, ",") {
		t.Errorf("To: %v, want %v", toAddrs, sent.To)
	}
	raw := h.Get("Subject")
	if !isASCII(raw) {
		t.Errorf("Subject header is not ASCII: %q", raw)
	}
	if !isASCII(sent.Subject) && !strings.HasPrefix(raw, "=?UTF-8?b?") {
		t.Errorf("Subject is not RFC 2047 encoded: %q", raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || subject != sent.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, sent.Subject)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := h.Get("Message-Id"); !strings.HasSuffix(id, "@nianbao.example.gov.cn>") {
		t.Errorf("Message-ID %q, want one in the From domain", id)
	}
	if h.Get("Mime-Version") != "1.0" {
		t.Errorf("MIME-Version: %q", h.Get("Mime-Version"))
	}
	parts := map[string]string{}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if sent.HTML == "" {
		parts[mt] = decodePart(t, h.Get("Content-Transfer-Encoding"), msg.Body)
	} else {
		if mt != "multipart/alternative" {
			t.Fatalf("Content-Type %s, want multipart/alternative", mt)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		var order []string
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("part: %v", err)
			}
			pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if err != nil || pp["charset"] != "UTF-8" {
				t.Errorf("part Content-Type %q", p.Header.Get("Content-Type"))
			}
			parts[pt] = decodePart(t, p.Header.Get("Content-Transfer-Encoding"), p)
			order = append(order, pt)
		}
		// RFC 2046 §5.1.4: the preferred alternative last.
		if strings.Join(order, ",") != "text/plain,text/html" {
			t.Errorf("parts %v, want text/plain then text/html", order)
		}
	}
	if parts["text/plain"] != sent.Text {
		t.Errorf("text part %q, want %q", parts["text/plain"], sent.Text)
	}
	// The HTML goes as a document of its own, with a viewport for phones.
	if sent.HTML != "" && (!strings.Contains(parts["text/html"], sent.HTML) || !strings.Contains(parts["text/html"], `name="viewport"`)) {
		t.Errorf("HTML part %q, want %q in a document with a viewport", parts["text/html"], sent.HTML)
	}
}

func decodePart(t *testing.T, encoding string, r io.Reader) string {
	t.Helper()
	if !strings.EqualFold(encoding, "base64") {
		t.Errorf("Content-Transfer-Encoding %q, want base64", encoding)
	}
	b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, r))
	if err != nil {
		t.Fatalf("base64 body: %v", err)
	}
	return string(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
