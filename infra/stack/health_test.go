package stack

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// /healthz answers 503, in Chinese, while the local AWS does not answer, and is the
// web's own answer while it does.
func TestHealthzFollowsTheLocalAWS(t *testing.T) {
	web := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "web ok\n") })
	aws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer aws.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	get := func(s *Stack) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.health(web)(rec, httptest.NewRequest("GET", "/healthz", nil))
		return rec
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	if rec := get(&Stack{Endpoint: aws.URL, log: log}); rec.Code != 200 || rec.Body.String() != "web ok\n" {
		t.Errorf("endpoint answers: %d %q, want the web's 200", rec.Code, rec.Body)
	}
	exited := &moto{done: make(chan struct{})}
	close(exited.done)
	for name, s := range map[string]*Stack{
		"endpoint refuses": {Endpoint: dead, log: log},
		"moto refuses":     {Endpoint: aws.URL, MotoURL: dead, moto: &moto{done: make(chan struct{})}, log: log},
		"moto exited":      {Endpoint: aws.URL, MotoURL: aws.URL, moto: exited, log: log},
	} {
		rec := get(s)
		var body struct{ Error, Code string }
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusServiceUnavailable || body.Code != "unavailable" || !strings.Contains(body.Error, "没有响应") {
			t.Errorf("%s: %d %s, want 503 with a Chinese error", name, rec.Code, rec.Body)
		}
	}
}
