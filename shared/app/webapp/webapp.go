// Package webapp is the api function's wiring: the web handler (shared/web) built from
// an app.App. It is apart from shared/app so that the step functions, which import
// app, hold no web code and parse no page templates when they start.
package webapp

import (
	"context"
	"net/http"

	"nianbao/shared/app"
	"nianbao/shared/web"
)

// Server is the web side with the App's clients.
func Server(a *app.App) *web.Server {
	return &web.Server{
		Store: a.Store, Life: a.Life(), Mail: a.Mail, Keys: a.Keys,
		BaseURL:       a.Config.BaseURL,
		SiteURL:       a.Config.SiteURL,
		SecureCookies: a.Config.SecureCookies,
		SignIn:        signInQueue(a),
		Log:           a.Log,
	}
}

// Handler is the api function's HTTP handler. The link key (in Secrets Manager on
// AWS) is read with the first request, not when the function starts; while it cannot
// be read, requests are answered 503 and the next one tries again.
func Handler(a *app.App) http.Handler {
	h := Server(a).Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.Keys.Load(r.Context()); err != nil {
			a.Log.ErrorContext(r.Context(), "webapp: the link key", "err", err)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":"服务暂时不可用，请稍后再试。","code":"unavailable"}` + "\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// FromEnv builds the api function's HTTP handler from an environment (the local
// stack's factory for app.WebFunction).
func FromEnv(ctx context.Context, getenv func(string) string) (http.Handler, error) {
	a, err := app.New(ctx, getenv, app.WithSFN)
	if err != nil {
		return nil, err
	}
	return Handler(a), nil
}
