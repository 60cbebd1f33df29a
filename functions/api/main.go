// Command api is the web app (JSON API, sign-in, review pages) behind API Gateway's
// HTTP API, wired to its AWS clients.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"nianbao/shared/app"
	"nianbao/shared/app/webapp"
	"nianbao/shared/web"
)

func main() {
	app.UseJSONLogs()
	if os.Getenv("BASE_URL") != "" {
		a, err := app.New(context.Background(), os.Getenv, app.WithSFN)
		if err != nil {
			app.Fatal("ApiFunction", err)
		}
		lambda.Start(web.APIGateway(webapp.Handler(a)))
		return
	}
	// Without BaseUrl the template cannot give this function the API's address (the
	// API refers to the function, not the other way round): it is the domain API
	// Gateway received the first request on.
	lambda.Start((&selfAddressed{getenv: os.Getenv}).handle)
}

// selfAddressed builds the web app on the first request, with BASE_URL taken from the
// request context that API Gateway fills in (not from a header a client sets).
type selfAddressed struct {
	getenv func(string) string

	mu sync.Mutex
	h  func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
}

func (s *selfAddressed) handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	s.mu.Lock()
	if s.h == nil {
		base := "https://" + ev.RequestContext.DomainName
		if st := ev.RequestContext.Stage; st != "" && st != "$default" {
			base += "/" + st
		}
		getenv := func(k string) string {
			if k == "BASE_URL" {
				return base
			}
			return s.getenv(k)
		}
		a, err := app.New(ctx, getenv, app.WithSFN)
		if err != nil {
			s.mu.Unlock()
			// Logged and answered; the next request tries again.
			slog.ErrorContext(ctx, "cannot start", "function", "ApiFunction", "err", err)
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusServiceUnavailable,
				Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
				Body:    "服务暂时不可用，请稍后再试。\n"}, nil
		}
		s.h = web.APIGateway(webapp.Handler(a))
	}
	h := s.h
	s.mu.Unlock()
	return h(ctx, ev)
}
