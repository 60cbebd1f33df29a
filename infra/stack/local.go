package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Mail is one message the system sent through SES v2, as the gateway saw it go to moto
// (moto keeps only the HTML part when a message has both, so the gateway keeps its own
// copy with both parts).
type Mail struct {
	From    string    `json:"from"`
	To      []string  `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	Links   []string  `json:"links"`
	SentAt  time.Time `json:"sent_at"`
}

// mailbox keeps the mail sent since the last reset.
type mailbox struct {
	mu   sync.Mutex
	mail []Mail
}

// sesSendPath is SES v2's SendEmail (REST: POST /v2/email/outbound-emails).
const sesSendPath = "/v2/email/outbound-emails"

var linkPattern = regexp.MustCompile(`https?://[^\s"'<>（）「」，。]+`)

// record keeps a SendEmail request body that moto accepted.
func (m *mailbox) record(body []byte, at time.Time) {
	var in struct {
		FromEmailAddress string
		Destination      struct{ ToAddresses, CcAddresses, BccAddresses []string }
		Content          struct {
			Simple *struct {
				Subject struct{ Data string }
				Body    struct {
					Text *struct{ Data string }
					Html *struct{ Data string }
				}
			}
		}
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Content.Simple == nil {
		return // raw or templated messages: the project sends neither
	}
	ml := Mail{From: in.FromEmailAddress, Subject: in.Content.Simple.Subject.Data, SentAt: at}
	ml.To = append(append(append(ml.To, in.Destination.ToAddresses...), in.Destination.CcAddresses...), in.Destination.BccAddresses...)
	if t := in.Content.Simple.Body.Text; t != nil {
		ml.Text = t.Data
	}
	if h := in.Content.Simple.Body.Html; h != nil {
		ml.HTML = h.Data
	}
	for _, l := range linkPattern.FindAllString(ml.Text+"\n"+ml.HTML, -1) {
		l = strings.TrimRight(l, ".,;:!?)")
		if !slices.Contains(ml.Links, l) {
			ml.Links = append(ml.Links, l)
		}
	}
	m.mu.Lock()
	m.mail = append(m.mail, ml)
	m.mu.Unlock()
}

func (m *mailbox) all() []Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.mail)
}

func (m *mailbox) reset() {
	m.mu.Lock()
	m.mail = nil
	m.mu.Unlock()
}

// captureMail forwards a SendEmail call to moto and records the message if moto took it.
func (g *gateway) captureMail(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusRecorder{ResponseWriter: w}
	g.proxy.ServeHTTP(rec, r)
	if rec.status == 0 || rec.status == http.StatusOK {
		g.mail.record(body, time.Now())
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Mailbox is the mail sent since the stack started or was last reset, oldest first.
func (s *Stack) Mailbox() []Mail {
	if s.gw == nil {
		return nil
	}
	return s.gw.mail.all()
}

// ResetMailbox forgets the mail sent so far.
func (s *Stack) ResetMailbox() {
	if s.gw != nil {
		s.gw.mail.reset()
	}
}

// serveMailJSON is GET /_local/mail: the sent mail, newest first.
func (s *Stack) serveMailJSON(w http.ResponseWriter, r *http.Request) {
	mail := s.Mailbox()
	slices.Reverse(mail)
	if mail == nil {
		mail = []Mail{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(mail)
}

var mailPage = template.Must(template.New("mail").Funcs(template.FuncMap{
	"bj": func(t time.Time) string {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return t.Format("2006-01-02 15:04:05")
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	},
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>本地邮箱 — nianbao</title>
<style>
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:60rem;padding:1rem;line-height:1.6}
article{border:1px solid #ccc;padding:.75rem 1rem;margin:1rem 0;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:.25rem 0}
.meta{color:#555;font-size:.9rem}
pre{white-space:pre-wrap;font-family:inherit;margin:.5rem 0}
ul.links a{word-break:break-all}
</style></head><body>
<h1>本地邮箱</h1>
<p class="meta">本地系统发出的全部邮件，最新的在前（共 {{len .}} 封）。每个角色都可以从这里打开自己的链接。<a href="/_local/mail">JSON</a></p>
{{range .}}<article>
<h2>{{.Subject}}</h2>
<p class="meta">收件人：{{range $i, $t := .To}}{{if $i}}、{{end}}{{$t}}{{end}}；发送时间：{{bj .SentAt}}（北京时间）</p>
{{if .Links}}<ul class="links">{{range .Links}}<li><a href="{{.}}">{{.}}</a></li>{{end}}</ul>{{end}}
<pre>{{.Text}}</pre>
</article>
{{else}}<p>还没有邮件。</p>{{end}}
</body></html>
`))

// serveMailPage is GET /_local/mail/view: the sent mail as a page, links clickable, so
// one person can play every role from one browser.
func (s *Stack) serveMailPage(w http.ResponseWriter, r *http.Request) {
	mail := s.Mailbox()
	slices.Reverse(mail)
	var buf bytes.Buffer
	if err := mailPage.Execute(&buf, mail); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// siteRoot is where the local stack serves the site bucket: what the public would see
// through CloudFront on AWS.
const siteRoot = "/_local/site/"

// serveSite serves the published objects of the site bucket, index.html for folders.
func (s *Stack) serveSite(w http.ResponseWriter, r *http.Request) {
	bucket, err := s.Ref(s.opts.SiteBucket)
	if err != nil {
		http.Error(w, "no site bucket", http.StatusNotFound)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, siteRoot)
	if key == "" || strings.HasSuffix(key, "/") {
		key += "index.html"
	}
	out, err := s.clients.s3.GetObject(r.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		var nsk *s3types.NoSuchKey
		if !errors.As(err, &nsk) {
			s.log.Warn("stack: read the site bucket", "key", key, "error", err)
		}
		http.Error(w, "404 没有这个页面", http.StatusNotFound)
		return
	}
	defer out.Body.Close()
	if ct := aws.ToString(out.ContentType); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if cc := aws.ToString(out.CacheControl); cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	io.Copy(w, out.Body)
}

// WaitAsync waits for the asynchronous (Event) invocations started so far to end: a
// test looks at what they did only once they have.
func (s *Stack) WaitAsync() {
	if s.gw != nil {
		s.gw.async.Wait()
	}
}
