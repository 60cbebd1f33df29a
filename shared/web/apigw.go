package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// APIGateway adapts an http.Handler to API Gateway's HTTP API (payload format 2.0), so
// the same handler the local stack serves directly runs on Lambda.
func APIGateway(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := toRequest(ctx, ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest,
				Headers: map[string]string{"Content-Type": "application/json; charset=utf-8"},
				Body:    `{"error":"无法读取请求。","code":"invalid"}`}, nil
		}
		rec := &captureWriter{header: http.Header{}}
		h.ServeHTTP(rec, req)
		return rec.response(), nil
	}
}

func toRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, err
		}
	}
	u := &url.URL{Path: ev.RawPath, RawQuery: ev.RawQueryString}
	if u.Path == "" {
		u.Path = ev.RequestContext.HTTP.Path
	}
	if p, err := url.PathUnescape(u.Path); err == nil {
		u.RawPath, u.Path = u.Path, p
	}
	req, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.URL = u
	for k, v := range ev.Headers {
		req.Header.Set(k, v) // HTTP API joins repeated headers with commas already
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = ev.RequestContext.DomainName
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP + ":0"
	req.ContentLength = int64(len(body))
	req.RequestURI = u.RequestURI()
	return req, nil
}

// captureWriter records a response for the Lambda reply.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

func (c *captureWriter) response() events.APIGatewayV2HTTPResponse {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	res := events.APIGatewayV2HTTPResponse{StatusCode: c.status, Headers: map[string]string{}}
	for k, vs := range c.header {
		if strings.EqualFold(k, "Set-Cookie") {
			res.Cookies = append(res.Cookies, vs...)
			continue
		}
		res.Headers[k] = strings.Join(vs, ", ")
	}
	if utf8.Valid(c.body.Bytes()) {
		res.Body = c.body.String()
	} else {
		res.Body = base64.StdEncoding.EncodeToString(c.body.Bytes())
		res.IsBase64Encoded = true
	}
	return res
}
