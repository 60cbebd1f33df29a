package local_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nianbao/infra/browser"
)

// EnvDocsScreenshots, when set to a folder (docs, relative to the repository), makes the
// browser tests write the README's screenshots there from their real run.
const EnvDocsScreenshots = "NIANBAO_DOCS_SCREENSHOTS"

// page is one person's browser in a test: the helper's Chromium, a folder for the
// screenshots of each step, and actions that fail the test with what the page showed.
type page struct {
	t    *testing.T
	b    *browser.Browser
	dir  string
	step int
}

func newPage(t *testing.T, width, height int) *page {
	t.Helper()
	b := browser.ForTest(t, browser.Options{Width: width, Height: height, Timeout: 20 * time.Second})
	dir := filepath.Join(browser.ArtifactDirForTest(t), t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &page{t: t, b: b, dir: dir}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// open navigates and waits for the page's load.
func (p *page) open(url string) {
	p.t.Helper()
	if err := p.b.Navigate(url); err != nil {
		p.t.Fatal(err)
	}
}

// shot saves a screenshot of the whole page as the next numbered step.
func (p *page) shot(name string) {
	p.t.Helper()
	p.step++
	if _, err := p.b.Screenshot(p.dir, fmt.Sprintf("%02d-%s.png", p.step, name)); err != nil {
		p.t.Errorf("screenshot %s: %v", name, err)
	}
}

// docShot writes a screenshot of the viewport for the README when EnvDocsScreenshots is
// set, at a size that keeps the PNG small, with the element sel centred.
func (p *page) docShot(name, sel string) {
	p.t.Helper()
	dir := os.Getenv(EnvDocsScreenshots)
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir) // relative to the repository, not to this package
	}
	w, h := p.width(), p.height()
	if err := p.b.SetViewport(1200, 720); err != nil {
		p.t.Fatal(err)
	}
	defer p.b.SetViewport(w, h)
	p.eval(`(() => { document.querySelector(` + js(sel) + `).scrollIntoView({block: "center"}); return "" })()`)
	png, err := chromedp.Run(p.b.Context(), chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Errorf("docs screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		p.t.Error(err)
	}
}

func (p *page) eval(expr string) string {
	p.t.Helper()
	v, err := browser.Eval[string](p.b, expr)
	if err != nil {
		p.t.Fatalf("%v\non %s", err, p.location())
	}
	return v
}

func (p *page) location() string {
	v, _ := browser.Eval[string](p.b, `location.href`)
	return v
}

func (p *page) bodyText() string {
	v, _ := browser.Eval[string](p.b, `document.body ? document.body.innerText : ""`)
	return v
}

// waitTrue polls a JavaScript condition until it holds, within limit.
func (p *page) waitTrue(what, cond string, limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, err := browser.Eval[bool](p.b, `!!(`+cond+`)`)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.shot("timeout")
			p.t.Fatalf("waited %v for %s (%s) on %s; page says:\n%s", limit, what, cond, p.location(), abbreviate(p.bodyText(), 1500))
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func abbreviate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// click clicks the first element a selector matches.
func (p *page) click(sel string) {
	p.t.Helper()
	if err := p.b.Do(chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("click %s: %v on %s", sel, err, p.location())
	}
}

// clickAndLoad clicks something that leads to another page, and waits for it.
func (p *page) clickAndLoad(sel, part string) {
	p.t.Helper()
	p.eval(`(() => { window.__nianbaoOld = true; return "" })()`)
	p.click(sel)
	p.waitTrue("navigation to "+part, `!window.__nianbaoOld && location.href.includes(`+js(part)+`) && document.readyState === "complete"`, 15*time.Second)
}

// typeInto types into a field as a person does: focus, then keys. The form selects a
// cell's content on focus, so typing replaces it.
func (p *page) typeInto(sel, text string) {
	p.t.Helper()
	// Moving into the field, from wherever the focus was (typing twice into one cell is
	// leaving it and coming back).
	p.eval(`(() => { if (document.activeElement) document.activeElement.blur(); return "" })()`)
	if err := p.b.Do(chromedp.Focus(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		p.t.Fatalf("type into %s: %v", sel, err)
	}
}

// replaceText clears a text field and types into it.
func (p *page) replaceText(sel, text string) {
	p.t.Helper()
	p.eval(`(() => { const e = document.querySelector(` + js(sel) + `); e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})); return "" })()`)
	p.typeInto(sel, text)
}

// cell is the selector of a form cell.
func cell(table, row, col string) string { return "#c-" + table + "-" + row + "-" + col }

// mailLink waits for a mail to `to` with a link containing part, opens the local
// mailbox page and clicks that link there, as one person playing every role would.
func (p *page) mailLink(to, subject, part string) string {
	p.t.Helper()
	var l string
	deadline := time.Now().Add(20 * time.Second)
	for l == "" {
		ms := mailsTo(to)
		for i := len(ms) - 1; i >= 0 && l == ""; i-- { // newest first
			if strings.Contains(ms[i].Subject, subject) {
				l = link(ms[i], part)
			}
		}
		if l != "" {
			break
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no mail to %s with %q and a %q link; mailbox: %s", to, subject, part, mailSummary())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.open(webURL("/_local/mail/view"))
	p.clickAndLoad(`a[href=`+js(l)+`]`, part)
	return l
}

// signIn signs a drafter in through the start page and the mailbox.
func (p *page) signIn(email string) {
	p.t.Helper()
	before := loginMails(email) // waitMail counts the mails with a sign-in link
	p.open(webURL("/"))
	p.typeInto("#email", email)
	p.clickAndLoad(`form.signin button[type=submit]`, "/signin")
	waitMail(p.t, email, "/login/", before)
	p.mailLink(email, "登录链接", "/login/")
	p.clickAndLoad(`form button[type=submit]`, "/")
	p.waitTrue("the dashboard", `document.querySelector(".deadline")`, 10*time.Second)
}

// waitChecked waits until the form has the server's findings for what was typed last:
// no check or save pending, and the submit button's state settled.
func (p *page) waitChecked() {
	p.t.Helper()
	p.waitTrue("the form's check", `document.getElementById("submit-why").textContent !== "正在校验……"`, 10*time.Second)
}

// noOverflow reports the elements that stick out of the viewport, outside the tables'
// own scroll containers.
func (p *page) noOverflow(what string) {
	p.t.Helper()
	out := p.eval(`(() => {
  const W = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".skip, .visually-hidden")) continue;
    const inScroll = el.parentElement && el.parentElement.closest(".scroll");
    if (inScroll) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > W + 0.5 || r.left < -0.5) bad.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).replace(/ /g, ".") : "") + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
  }
  const sw = document.documentElement.scrollWidth;
  if (sw > W) bad.unshift("document scrollWidth " + sw + " > " + W);
  return bad.slice(0, 15).join("\n");
})()`)
	if out != "" {
		p.shot("overflow-" + what)
		p.t.Errorf("%s at %dpx overflows the viewport:\n%s", what, p.width(), out)
	}
}

func (p *page) height() int {
	h, _ := browser.Eval[int](p.b, `window.innerHeight`)
	return h
}

func (p *page) width() int {
	w, _ := browser.Eval[int](p.b, `document.documentElement.clientWidth`)
	return w
}

// submitReport clicks 提交审批, finds the report as it will be published in the
// confirmation with who gets it next (next, when not empty), and confirms.
func (p *page) submitReport(next string) {
	p.t.Helper()
	p.click("#submit-btn")
	p.waitTrue("the preview before submitting", `document.getElementById("preview").open && document.querySelector("#preview-body h1")`, 15*time.Second)
	if got := p.eval(`document.getElementById("preview-next").textContent`); next != "" && !strings.Contains(got, next) {
		p.t.Errorf("the confirmation does not say who gets the report next (%q): %q", next, got)
	}
	p.clickAndLoad("#confirm-submit", "/status")
}

// rowLabelBeside scrolls a cell of a wide table into view (its last column, on a phone)
// and checks that its row's label is on screen beside it, not scrolled away or covered.
func (p *page) rowLabelBeside(sel string) {
	p.t.Helper()
	out := p.eval(`(() => {
  const c = document.querySelector(` + js(sel) + `);
  if (!c) return "no cell " + ` + js(sel) + `;
  c.scrollIntoView({block: "center", inline: "end"});
  const td = c.closest("td");
  const th = [...td.parentElement.querySelectorAll("th")].pop(); // the row's own label, after any group's
  if (!th) return "no row label";
  const a = th.getBoundingClientRect(), b = td.getBoundingClientRect();
  const W = document.documentElement.clientWidth;
  if (a.left < -0.5 || a.right > W + 0.5) return "the row label is off screen: [" + a.left + ", " + a.right + "]";
  if (a.right > b.left + 0.5) return "the row label overlaps the cell: " + th.outerHTML.slice(0, 120) + JSON.stringify([a, b]);
  const hit = document.elementFromPoint((a.left + a.right) / 2, (Math.max(a.top, b.top) + Math.min(a.bottom, b.bottom)) / 2);
  if (!hit || !th.contains(hit)) return "the row label is covered by " + (hit ? hit.outerHTML.slice(0, 80) : "nothing") + " at " + JSON.stringify([a, b, innerHeight]);
  return "";
})()`)
	if out != "" {
		p.shot("row-label")
		p.t.Errorf("at %dpx the row label of %s is not beside it: %s", p.width(), sel, out)
	}
}

// axeSource is axe-core, vendored under testdata (MPL-2.0; see its README).
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe-core/axe.min.js")
	return string(b), err
})

// axe runs axe-core on the page as it is, at 375 and at 1280 px, and fails the test
// with each violation (rule, impact, the elements) it reports. The viewport is restored.
func (p *page) axe(what string) {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatal(err)
	}
	// Evaluated by the browser's debugger, as a script of its own: the page's CSP
	// (script-src 'self', no eval) does not apply to it.
	if has, _ := browser.Eval[bool](p.b, `!!window.axe`); has {
	} else if _, err := browser.Eval[bool](p.b, src+"\n;true"); err != nil {
		p.t.Fatalf("inject axe-core: %v", err)
	}
	w, h := p.width(), p.height()
	defer p.b.SetViewport(w, h)
	for _, size := range [][2]int{{375, 740}, {1280, 900}} {
		if err := p.b.SetViewport(size[0], size[1]); err != nil {
			p.t.Fatal(err)
		}
		out, err := chromedp.Run(p.b.Context(), chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
  r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + "\n    " + v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").slice(1, 2).join("")).join("\n    ")).join("\n"))`, chromedp.EvalAwaitPromise))
		if err != nil {
			p.t.Fatalf("axe-core on %s: %v", what, err)
		}
		if out != "" {
			p.shot(fmt.Sprintf("axe-%d", size[0]))
			p.t.Errorf("axe-core finds violations on %s at %d px:\n%s", what, size[0], out)
		}
	}
}
