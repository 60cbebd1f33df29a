package site

import "testing"

func TestLayout(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{SiteIndex, "reports/index.html"},
		{AgencyIndex("demo"), "reports/demo/index.html"},
		{YearDir("demo", 2025), "reports/demo/2025/"},
		{VersionDir("demo", 2025, 3), "reports/demo/2025/v3/"},
		{AssetsDir + "nianbao.css", "reports/assets/nianbao.css"},
		{ReportURL("http://127.0.0.1:4566/site/", "demo", 2025), "http://127.0.0.1:4566/site/reports/demo/2025/"},
		{ReportURL("https://d1.cloudfront.net", "demo", 2025), "https://d1.cloudfront.net/reports/demo/2025/"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
