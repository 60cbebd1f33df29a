package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestAPIGatewayAdapter(t *testing.T) {
	raw, err := os.ReadFile("testdata/apigw-v2-put.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var got *http.Request
	var gotBody string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		w.Header().Set("ETag", `"r4"`)
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte("已保存"))
	})
	res, err := APIGateway(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"method", got.Method, "PUT"},
		{"path", got.URL.Path, "/api/echo/示例"},
		{"query", got.URL.Query().Get("b"), "中"},
		{"body", gotBody, `{"name":"测试"}`},
		{"if-match", got.Header.Get("If-Match"), `"r3"`},
		{"client ip", clientIP(got), "203.0.113.7"},
		{"response body", res.Body, "已保存"},
		{"etag", res.Headers["Etag"], `"r4"`},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if c, err := got.Cookie("nianbao_session"); err != nil || c.Value != "abc" {
		t.Errorf("session cookie = %v, %v", c, err)
	}
	if res.StatusCode != http.StatusCreated {
		t.Errorf("status = %d", res.StatusCode)
	}
	if len(res.Cookies) != 2 {
		t.Errorf("cookies = %v, want two Set-Cookie values", res.Cookies)
	}
}
