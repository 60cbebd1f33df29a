package local_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var han = regexp.MustCompile(`\p{Han}`)

// goText is what Go's decoders and the mux say in English; none of it may reach a user.
var goText = regexp.MustCompile(`json: |invalid character|unexpected end|cannot unmarshal|page not found|Method Not Allowed`)

// codeOf is the HTTP status each error code stands for (shared/web's table, as a
// client reads it).
var codeOf = map[string]int{
	"invalid": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404, "method_not_allowed": 405,
	"conflict": 409, "stale": 412, "too_large": 413, "unsupported_media_type": 415, "unprocessable": 422,
	"unavailable": 503, "internal": 500,
}

// TestEveryJSONErrorCarriesItsCode walks the API's refusals as a signed-in drafter meets
// them on the local stack: each answer is Chinese JSON whose code names its status, and
// keeps what it carried before (findings, the current draft).
func TestEveryJSONErrorCarriesItsCode(t *testing.T) {
	fresh(t, agencyYAML("ag13", "壬区应急管理局", 60, 3))
	c := newClient(t, "drafter@ag13.local")
	c.signIn()
	etag := c.save("ag13", 2025, sampleDoc(t, 2025), "").header.Get("ETag")
	c.save("ag13", 2025, sampleDoc(t, 2025), etag) // the first ETag is stale now
	bad := sampleDoc(t, 2025)
	bad["year"] = 2024
	tests := []struct {
		name, method, path string
		body               any
		header             map[string]string
		status             int
		carries            string
	}{
		{"anonymous", "GET", "/api/reports/ag13/2025", nil, nil, 401, ""},
		{"another agency", "GET", "/api/reports/demo/2025", nil, nil, 403, ""},
		{"no such year", "GET", "/api/reports/ag13/2019", nil, nil, 404, ""},
		{"no year at all", "GET", "/api/reports/ag13/abc", nil, nil, 404, ""},
		{"no route", "GET", "/api/reports/ag13/2025/nothing", nil, nil, 404, ""},
		{"wrong method", "DELETE", "/api/reports/ag13/2025", nil, nil, 405, ""},
		{"malformed submit body", "POST", "/api/reports/ag13/2025/submit", []byte(`{"correction_reason":`), nil, 400, ""},
		{"unknown field in submit", "POST", "/api/reports/ag13/2025/submit", []byte(`{"reason":"x"}`), nil, 400, ""},
		{"withdraw a draft", "POST", "/api/reports/ag13/2025/withdraw", nil, nil, 409, ""},
		{"stale save", "PUT", "/api/reports/ag13/2025", sampleDoc(t, 2025), map[string]string{"If-Match": etag}, 412, `"draft"`},
		{"foreign If-Match", "PUT", "/api/reports/ag13/2025", sampleDoc(t, 2025), map[string]string{"If-Match": `"x"`}, 412, ""},
		{"too large", "PUT", "/api/reports/ag13/2025", []byte(`{"format":"gip-2021","sections":{"overview":"` + strings.Repeat("长", 5<<20/3) + `"}}`), nil, 413, ""},
		{"not JSON", "PUT", "/api/reports/ag13/2025", []byte("{}"), map[string]string{"Content-Type": "text/plain"}, 415, ""},
		{"another year inside", "PUT", "/api/reports/ag13/2025", bad, map[string]string{"If-Match": `"r2"`}, 422, `"path":"year"`},
		{"not a report document", "PUT", "/api/reports/ag13/2025", []byte(`{"format":"gip-2021","extra":1}`), map[string]string{"If-Match": `"r2"`}, 422, `"path"`},
		{"prefill of no format", "GET", "/api/reports/ag13/2026/prefill?format=x", nil, nil, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			who := c
			if tt.name == "anonymous" {
				who = newClient(t, "nobody")
			}
			r := who.api(tt.method, tt.path, tt.body, tt.header)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tt.status, r.body)
			}
			var e struct {
				Error string `json:"error"`
				Code  string `json:"code"`
			}
			r.json(t, &e)
			if codeOf[e.Code] != tt.status {
				t.Errorf("code %q for status %d", e.Code, tt.status)
			}
			if !han.MatchString(e.Error) || goText.MatchString(string(r.body)) {
				t.Errorf("not a Chinese message: %.300s", r.body)
			}
			if tt.carries != "" && !strings.Contains(string(r.body), tt.carries) {
				t.Errorf("the answer lost %s: %.300s", tt.carries, r.body)
			}
		})
	}
	// A draft with errors: 422 with its findings and the code.
	doc := sampleDoc(t, 2025)
	doc["requests"].(map[string]any)["new"].(map[string]any)["natural_person"] = 999999
	if r := c.save("ag13", 2025, doc, c.report("ag13", 2025).ETag); r.status != http.StatusOK {
		t.Fatalf("save a draft with errors: %d %s", r.status, r.body)
	}
	r := c.submit("ag13", 2025, nil)
	var e struct {
		Code     string            `json:"code"`
		Findings []json.RawMessage `json:"findings"`
	}
	r.json(t, &e)
	if r.status != 422 || e.Code != "unprocessable" || len(e.Findings) == 0 {
		t.Errorf("submit with errors: %d %s", r.status, r.body)
	}
	// Pages answer in Chinese too.
	for _, p := range []struct {
		method, path string
		status       int
	}{{"GET", "/no/such/page", 404}, {"DELETE", "/reports/new", 405}} {
		r := c.do(p.method, webURL(p.path), nil, nil)
		if r.status != p.status || !strings.Contains(string(r.body), "<html") || !han.MatchString(string(r.body)) || goText.Match(r.body) {
			t.Errorf("%s %s: %d %.200s", p.method, p.path, r.status, r.body)
		}
	}
}

// TestStrictInput: text is refused, never silently altered — a body that is not UTF-8 or
// declared in another charset stores nothing; an invisible direction control in the
// report's text is a finding naming its section, and blocks the submission.
func TestStrictInput(t *testing.T) {
	fresh(t, agencyYAML("ag17", "卯区应急管理局", 60, 3))
	c := newClient(t, "drafter@ag17.local")
	c.signIn()
	etag := c.save("ag17", 2025, sampleDoc(t, 2025), "").header.Get("ETag")
	doc, _ := json.Marshal(sampleDoc(t, 2025))
	for _, tt := range []struct {
		name   string
		body   []byte
		ctype  string
		status int
	}{
		{"an invalid byte", []byte(strings.Replace(string(doc), `"problems":"`, "\"problems\":\"\xff", 1)), "application/json", 400},
		{"an overlong sequence", []byte(strings.Replace(string(doc), `"problems":"`, "\"problems\":\"\xc0\xaf", 1)), "application/json", 400},
		{"a lone surrogate", []byte(strings.Replace(string(doc), `"problems":"`, `"problems":"\udc00`, 1)), "application/json", 400},
		{"declared GBK", doc, "application/json; charset=gbk", 415},
	} {
		r := c.api("PUT", "/api/reports/ag17/2025", tt.body, map[string]string{"If-Match": etag, "Content-Type": tt.ctype})
		if r.status != tt.status || !han.Match(r.body) {
			t.Errorf("%s: %d %s, want %d", tt.name, r.status, r.body, tt.status)
		}
	}
	if v := c.report("ag17", 2025); v.ETag != etag {
		t.Fatalf("a refused body changed the draft: %s → %s", etag, v.ETag)
	}
	bidi := sampleDoc(t, 2025)
	bidi["sections"].(map[string]any)["problems"] = "存在的主要问题：\u202e件12"
	r := c.save("ag17", 2025, bidi, etag)
	if r.status != 200 || !strings.Contains(string(r.body), `"rule":"text.invisible"`) || !strings.Contains(string(r.body), "五、存在的主要问题及改进情况") {
		t.Fatalf("a direction control in section 五: %d %s", r.status, r.body)
	}
	if r := c.submit("ag17", 2025, nil); r.status != 422 || !strings.Contains(string(r.body), "文字方向控制符 U+202E") {
		t.Errorf("submitted with a direction control: %d %s", r.status, r.body)
	}
}

// TestCrossSiteSignInRefused: an attacker's own sign-in link, with the token of the form
// they opened, posted from their page by the victim's browser, signs nobody in — with
// an Origin header (refused as another site's) and without one (the token is bound to a
// cookie only the attacker's browser has).
func TestCrossSiteSignInRefused(t *testing.T) {
	fresh(t, agencyYAML("ag18", "辰区应急管理局", 60, 3))
	attacker := newClient(t, "drafter@ag18.local")
	if r := attacker.api("POST", "/api/auth/link", map[string]string{"email": "drafter@ag18.local"}, nil); r.status != http.StatusAccepted {
		t.Fatalf("link: %d", r.status)
	}
	l := link(waitMail(t, "drafter@ag18.local", "/login/", 0), "/login/")
	page := attacker.do("GET", l, nil, nil)
	token := csrfOf(t, page.body)
	form := []byte("csrf=" + url.QueryEscape(token))
	for _, origin := range []string{"http://evil.example", "null", ""} {
		victim := newClient(t, "victim")
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		if origin != "" {
			h["Origin"] = origin
		}
		r := victim.do("POST", l, form, h)
		if r.status != http.StatusForbidden {
			t.Errorf("cross-site sign-in (Origin %q): %d, want 403", origin, r.status)
		}
		if me := victim.api("GET", "/api/me", nil, nil); me.status != http.StatusUnauthorized {
			t.Errorf("the victim is signed in (Origin %q): %d %s", origin, me.status, me.body)
		}
	}
	// The link still works in the browser that opened it.
	r := attacker.do("POST", l, form, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": strings.TrimSuffix(webURL("/"), "/")})
	if r.status != http.StatusSeeOther {
		t.Errorf("sign-in in its own browser: %d %s", r.status, r.body)
	}
}

// TestLargeDraftSavesAgain: a draft near the stored limit saves, and saves again, on the
// local stack as on AWS (moto once refused the second save's item: answered 500); one
// over the limit is refused with the same Chinese 413 everywhere.
func TestLargeDraftSavesAgain(t *testing.T) {
	fresh(t, agencyYAML("ag19", "巳区应急管理局", 60, 3))
	c := newClient(t, "drafter@ag19.local")
	c.signIn()
	// Text that compresses poorly, as varied prose does: characters drawn across the
	// CJK block, so the stored (compressed) draft stays large.
	rng := rand.New(rand.NewPCG(7, 11))
	text := func(kib int) string {
		var b strings.Builder
		for b.Len() < kib<<10 {
			b.WriteRune(rune(0x4E00 + rng.IntN(0x9FA5-0x4E00)))
		}
		return b.String()
	}
	etag := ""
	for i, kib := range []int{290, 292} {
		doc := sampleDoc(t, 2025)
		doc["sections"].(map[string]any)["other"] = text(kib)
		r := c.save("ag19", 2025, doc, etag)
		if r.status != http.StatusOK {
			t.Fatalf("save %d of a %d KiB draft: %d %.300s", i+1, kib, r.status, r.body)
		}
		etag = r.header.Get("ETag")
	}
	doc := sampleDoc(t, 2025)
	doc["sections"].(map[string]any)["other"] = text(310)
	r := c.save("ag19", 2025, doc, etag)
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(string(r.body), "上限 300 KiB") {
		t.Errorf("a draft over the limit: %d %.300s", r.status, r.body)
	}
	if v := c.report("ag19", 2025); v.ETag != etag {
		t.Errorf("the refused save changed the draft: %s → %s", etag, v.ETag)
	}
}
