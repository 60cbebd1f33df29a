package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"nianbao/shared/report"
)

// Text a hostile or careless drafter might enter anywhere a report holds text.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`javascript:alert(1)`,
	`<a href="javascript:alert(1)">点我</a>`,
	`</textarea></style><iframe src="javascript:alert(1)">`,
	`{{.Title}} ${alert(1)} \u003cscript\u003e`,
}

func hostileDocument(t testing.TB) *report.Document {
	doc := loadFixture(t, "sample-2021.json")
	all := strings.Join(hostile, "\n")
	doc.Agency = "示例局" + hostile[0] + hostile[1] + hostile[3]
	doc.Sections.Overview = all
	doc.Sections.Problems = all
	doc.Sections.Other = "\n\n" + all + "\n\n"
	doc.Notes.Proactive = all
	doc.Notes.Requests = hostile[4]
	doc.Notes.Appeals = hostile[1]
	return doc
}

// inert fails the test for anything on the page that could run script or leave the
// page: a script element, an event-handler attribute, a javascript: (or data:, vbscript:)
// URL, an iframe or object, a srcdoc, or a page without the script-forbidding CSP.
func inert(t *testing.T, name string, page []byte) {
	t.Helper()
	for _, p := range problems(t, page) {
		t.Errorf("%s: %s", name, p)
	}
}

func problems(t testing.TB, page []byte) []string {
	var out []string
	root := parse(t, page)
	for _, n := range all(root, func(*html.Node) bool { return true }) {
		switch n.DataAtom {
		case atom.Script, atom.Iframe, atom.Object, atom.Embed, atom.Img, atom.Svg, atom.Base, atom.Form:
			out = append(out, "<"+n.Data+"> element in page")
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") || key == "srcdoc" || key == "style" {
				out = append(out, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
			}
			switch key {
			case "href", "src", "action", "formaction", "xlink:href", "poster", "background":
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				for _, scheme := range []string{"javascript:", "data:", "vbscript:"} {
					if strings.HasPrefix(v, scheme) {
						out = append(out, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
					}
				}
				if strings.Contains(v, ":") && !strings.HasPrefix(v, "#") {
					out = append(out, fmt.Sprintf("link with a scheme or host: %q (all links are relative)", a.Val))
				}
			}
		}
	}
	metas := all(root, func(n *html.Node) bool {
		return n.DataAtom == atom.Meta && strings.EqualFold(attr(n, "http-equiv"), "Content-Security-Policy")
	})
	if len(metas) != 1 || !strings.Contains(attr(metas[0], "content"), "default-src 'none'") ||
		strings.Contains(attr(metas[0], "content"), "script-src") {
		out = append(out, fmt.Sprintf("want one CSP meta with default-src 'none' and no script-src, got %d", len(metas)))
	}
	return out
}

// TestInertCatches makes sure the check above finds what it looks for.
func TestInertCatches(t *testing.T) {
	for _, bad := range []string{
		`<script>alert(1)</script>`,
		`<p onclick="x">`,
		`<a href=" JavaScript:alert(1)">`,
		`<a href="https://cdn.example/x.css">`,
		`<img src=x>`,
		`<svg><a xlink:href="javascript:alert(1)"></a></svg>`,
	} {
		page := `<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src 'none'">` + bad
		if len(problems(t, []byte(page))) == 0 {
			t.Errorf("no problem found in %s", bad)
		}
	}
	if len(problems(t, []byte(`<!DOCTYPE html><p>ok`))) == 0 {
		t.Error("a page without CSP passed")
	}
}

func TestHostileTextStaysText(t *testing.T) {
	doc := hostileDocument(t)
	published := time.Date(2026, 1, 20, 9, 30, 0, 0, Beijing())
	meta := NewMeta([]byte("{}"), 3, published, []Correction{
		{Version: 1, PublishedAt: published.AddDate(0, 0, -10), Reason: strings.Join(hostile, " ")},
		{Version: 2, PublishedAt: published.AddDate(0, 0, -5), Reason: hostile[3]},
	})
	cases := []struct {
		name string
		meta *Meta
		opts PageOptions
	}{
		{"preview", nil, PageOptions{}},
		{"current", &meta, PageOptions{Place: PlaceCurrent}},
		{"version", &meta, PageOptions{Place: PlaceVersion}},
		{"hostile asset base", &meta, PageOptions{Place: PlaceCurrent, AssetBase: "javascript:alert(1)//"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := renderPage(t, doc, c.meta, c.opts)
			inert(t, c.name, page)
			root := parse(t, page)
			// The hostile text is there, as text a reader sees.
			h1 := first(t, root, "h1", isAtom(atom.H1))
			if want := Title(doc.Agency, doc.Year); text(h1) != want {
				t.Errorf("h1 %q, want %q", text(h1), want)
			}
			title := first(t, root, "title", isAtom(atom.Title))
			if text(title) != Title(doc.Agency, doc.Year) {
				t.Errorf("title %q", text(title))
			}
			var paras []string
			for _, p := range all(root, isAtom(atom.P)) {
				paras = append(paras, text(p))
			}
			joined := strings.Join(paras, "\n")
			for _, h := range hostile {
				if !strings.Contains(joined, h) {
					t.Errorf("paragraphs lack the text %q as typed", h)
				}
			}
		})
	}
	t.Run("index pages", func(t *testing.T) {
		entries := []IndexEntry{
			{AgencyID: "evil", Agency: doc.Agency, Year: 2025, Version: 2, PublishedAt: published},
			{AgencyID: "evil", Agency: doc.Agency, Year: 2025, Version: 1, PublishedAt: published.AddDate(0, 0, -3)},
		}
		var b bytes.Buffer
		if err := AgencyIndex(&b, "evil", doc.Agency, entries, IndexOptions{SiteTitle: hostile[1]}); err != nil {
			t.Fatal(err)
		}
		inert(t, "agency index", b.Bytes())
		b.Reset()
		if err := SiteIndex(&b, entries, IndexOptions{SiteTitle: hostile[0]}); err != nil {
			t.Fatal(err)
		}
		inert(t, "site index", b.Bytes())
		if !strings.Contains(text(parse(t, b.Bytes())), doc.Agency) {
			t.Error("site index lacks the agency's name as text")
		}
	})
	t.Run("agency ids that are URLs", func(t *testing.T) {
		for _, id := range []string{"javascript:alert(1)", "../x", "a/b", "", ".hidden", "a b", "%2e%2e", `"onmouseover=x`, "中文"} {
			var b bytes.Buffer
			if err := AgencyIndex(&b, id, "x", nil, IndexOptions{}); err == nil {
				t.Errorf("AgencyIndex accepted id %q", id)
			}
			if err := SiteIndex(&b, []IndexEntry{{AgencyID: id, Agency: "x", Year: 2025, Version: 1}}, IndexOptions{}); err == nil {
				t.Errorf("SiteIndex accepted id %q", id)
			}
		}
	})
}
