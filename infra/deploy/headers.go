package deploy

import (
	"slices"
	"strconv"
	"strings"

	"nianbao/infra/stack"
	"nianbao/shared/render"
)

// minHSTS is the shortest Strict-Transport-Security max-age accepted: one year.
const minHSTS = 365 * 24 * 3600

// CheckSiteHeaders: every CloudFront distribution of the template answers through a
// response headers policy of the template that sets HSTS (at least a year), the
// published pages' own CSP (shared/render.CSP, which allows no script) with
// frame-ancestors 'none', X-Content-Type-Options and a Referrer-Policy, each overriding
// whatever the origin sends.
func CheckSiteHeaders(t *stack.Template) error {
	var p Problems
	for _, id := range t.SortedIDs() {
		r := t.Resources[id]
		if r.Type != "AWS::CloudFront::Distribution" {
			continue
		}
		cfg, _ := r.Properties["DistributionConfig"].(map[string]any)
		behaviors := []any{cfg["DefaultCacheBehavior"]}
		if cb, ok := cfg["CacheBehaviors"].([]any); ok {
			behaviors = append(behaviors, cb...)
		}
		for i, b := range behaviors {
			bm, _ := b.(map[string]any)
			where := "DefaultCacheBehavior"
			if i > 0 {
				where = "CacheBehaviors[" + strconv.Itoa(i-1) + "]"
			}
			ref, _ := bm["ResponseHeadersPolicyId"].(map[string]any)
			name, _ := ref["Ref"].(string)
			pol := t.Resources[name]
			if pol == nil || pol.Type != "AWS::CloudFront::ResponseHeadersPolicy" {
				p.add("distribution %s: %s has no ResponseHeadersPolicyId: !Ref to a response headers policy of %s", id, where, TemplateFile)
				continue
			}
			if pol.Condition != r.Condition {
				p.add("response headers policy %s: Condition %q, but distribution %s has %q", name, pol.Condition, id, r.Condition)
			}
			checkHeadersPolicy(&p, name, pol)
		}
	}
	return p.Err()
}

func checkHeadersPolicy(p *Problems, id string, r *stack.Resource) {
	cfg, _ := r.Properties["ResponseHeadersPolicyConfig"].(map[string]any)
	sec, _ := cfg["SecurityHeadersConfig"].(map[string]any)
	header := func(name string) map[string]any {
		h, _ := sec[name].(map[string]any)
		if h == nil {
			p.add("response headers policy %s: no SecurityHeadersConfig.%s", id, name)
			return nil
		}
		if scalar(h["Override"]) != "true" {
			p.add("response headers policy %s: %s does not override the origin's (Override: true)", id, name)
		}
		return h
	}
	if h := header("StrictTransportSecurity"); h != nil {
		if n, err := strconv.Atoi(scalar(h["AccessControlMaxAgeSec"])); err != nil || n < minHSTS {
			p.add("response headers policy %s: HSTS max-age %s, want at least %d (a year)", id, show(h["AccessControlMaxAgeSec"]), minHSTS)
		}
	}
	if h := header("ContentSecurityPolicy"); h != nil {
		got, _ := h["ContentSecurityPolicy"].(string)
		if ds := directives(got); !strings.Contains("; "+ds+";", "; default-src 'none';") || strings.Contains(ds, "script-src") {
			p.add("response headers policy %s: CSP %q allows script (want default-src 'none' and no script-src)", id, got)
		}
		want := render.CSP + "; frame-ancestors 'none'"
		if directives(got) != directives(want) {
			p.add("response headers policy %s: CSP %q, want the pages' own with frame-ancestors: %q", id, got, want)
		}
	}
	header("ContentTypeOptions")
	if h := header("ReferrerPolicy"); h != nil {
		if v, _ := h["ReferrerPolicy"].(string); v == "" || v == "unsafe-url" || v == "no-referrer-when-downgrade" {
			p.add("response headers policy %s: Referrer-Policy %q sends the full address to other sites", id, v)
		}
	}
}

// directives is a CSP with its directives sorted, for comparing.
func directives(csp string) string {
	var ds []string
	for _, d := range strings.Split(csp, ";") {
		if d = strings.Join(strings.Fields(d), " "); d != "" {
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	return strings.Join(ds, "; ")
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	}
	return strings.Trim(show(v), `"`)
}
