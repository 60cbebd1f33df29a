package web

import (
	"context"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/signin"
	"nianbao/shared/store"
)

type ctxKey int

const userKey ctxKey = 0

// authed lets a request through only with a live session; the user is in the context.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessionUser(r)
		if err != nil {
			if store.IsNotFound(err) {
				writeError(w, lifecycle.CodeUnauthorized, "请先登录。")
				return
			}
			s.internal(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	}
}

// sessionUser is the signed-in user of a request; store.ErrNotFound without a session.
func (s *Server) sessionUser(r *http.Request) (*store.User, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || !links.ValidToken(c.Value) {
		return nil, store.ErrNotFound
	}
	ss, err := s.Store.GetSession(r.Context(), links.Hash(c.Value))
	if err != nil {
		return nil, err
	}
	return s.Store.GetUser(r.Context(), ss.Email)
}

func userOf(r *http.Request) *store.User {
	u, _ := r.Context().Value(userKey).(*store.User)
	return u
}

// loginAnswer is the same whether or not the address is known, so sign-in tells nobody
// who has an account.
func loginAnswer() string {
	return "如果该邮箱已登记，登录链接已发出，" + links.Lifetime(links.LoginLife) + "内有效。"
}

// SignInQueue takes a sign-in request on to the sign-in function (shared/signin): it
// returns once the request is handed over, before anything about the address is known.
type SignInQueue interface {
	Enqueue(ctx context.Context, req signin.Request) error
}

// requestLogin hands a sign-in request on.
func (s *Server) requestLogin(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	var in struct {
		Email string `json:"email"`
	}
	if !readJSON(w, r, &in, false) {
		return
	}
	if !s.queueLogin(r, in.Email) {
		writeError(w, lifecycle.CodeUnprocessable, "请输入有效的邮箱地址。")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"message": loginAnswer()})
}

// queueLogin hands a sign-in request for email to the sign-in function; false when the
// address is not an address at all. What happens next (a registered address, an
// unknown one, a throttled one, a mail failure) changes nothing in the answer, nor in
// its time: the lookup and the mail run in the sign-in function, after it. A failure to
// hand the request on is logged, and answered as any other.
func (s *Server) queueLogin(r *http.Request, email string) bool {
	addr, err := mail.ParseAddress(strings.TrimSpace(email))
	if err != nil || addr.Name != "" {
		return false
	}
	if s.SignIn == nil {
		s.log().ErrorContext(r.Context(), "sign-in: no sign-in function configured", "ip", clientIP(r))
		return true
	}
	if err := s.SignIn.Enqueue(r.Context(), signin.Request{Email: addr.Address, IP: clientIP(r)}); err != nil {
		s.log().ErrorContext(r.Context(), "sign-in: request not handed on", "ip", clientIP(r), "err", err)
	}
	return true
}

// loginPage shows the sign-in button. A GET uses nothing up: mail scanners open every
// link they see.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	id, secret := r.PathValue("id"), r.PathValue("secret")
	l, ok := s.liveLogin(r, id, secret)
	if !ok {
		s.message(w, r, http.StatusNotFound, messagePage{layout: layout{Title: "登录链接已失效"},
			Message: "这个登录链接已使用、已过期或无效。请回到首页重新获取登录链接。", Link: "/", LinkText: "返回首页"})
		return
	}
	// The form's token is bound to a cookie this GET sets in this browser: a token
	// taken from another browser (an attacker's own link, posted from their page to
	// sign the victim in to the attacker's account) does not match.
	nonce := links.RandomSecret()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: nonce, Path: "/login/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.SecureCookies, MaxAge: int(links.LoginLife / time.Second)})
	s.page(w, r, http.StatusOK, "login", loginView{layout: layout{Title: "登录年报系统"}, Email: l.Email, CSRF: s.Keys.CSRF("login", id, nonce)})
}

// loginCookie holds the nonce the sign-in form's token is bound to.
const loginCookie = "nianbao_login"

// loginToken is the sign-in form's token for this browser, or "" without its cookie.
func (s *Server) loginToken(r *http.Request, id string) string {
	c, err := r.Cookie(loginCookie)
	if err != nil || !links.ValidToken(c.Value) {
		return ""
	}
	return s.Keys.CSRF("login", id, c.Value)
}

func (s *Server) liveLogin(r *http.Request, id, secret string) (*store.LoginLink, bool) {
	if !links.ValidToken(id) || !links.ValidToken(secret) {
		return nil, false
	}
	l, err := s.Store.GetLogin(r.Context(), id)
	if err != nil || l.Used || !s.Store.Now().Before(l.Expires) || !links.Equal(l.SecretHash, links.Hash(secret)) {
		return nil, false
	}
	return l, true
}

// login uses the link up (once) and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	id, secret := r.PathValue("id"), r.PathValue("secret")
	want := s.loginToken(r, id)
	if err := parseForm(w, r); err != nil || want == "" || !links.Equal(r.PostFormValue("csrf"), want) {
		s.message(w, r, http.StatusForbidden, messagePage{layout: layout{Title: "无法登录"},
			Message: "表单已失效，请重新打开邮件中的登录链接。", Link: "/", LinkText: "返回首页"})
		return
	}
	if !links.ValidToken(id) || !links.ValidToken(secret) {
		s.message(w, r, http.StatusNotFound, messagePage{layout: layout{Title: "登录链接已失效"}, Message: "这个登录链接无效。", Link: "/", LinkText: "返回首页"})
		return
	}
	l, err := s.Store.UseLogin(r.Context(), id, links.Hash(secret))
	if err != nil {
		if store.IsConflict(err) || store.IsNotFound(err) {
			s.message(w, r, http.StatusGone, messagePage{layout: layout{Title: "登录链接已失效"},
				Message: "这个登录链接已使用或已过期。请回到首页重新获取。", Link: "/", LinkText: "返回首页"})
			return
		}
		s.internal(w, r, err)
		return
	}
	sid := links.RandomSecret()
	now := s.Store.Now()
	if err := s.Store.CreateSession(r.Context(), store.Session{
		IDHash: links.Hash(sid), Email: l.Email, Created: now, Expires: now.Add(links.SessionLife),
	}); err != nil {
		s.internal(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookies, Expires: now.Add(links.SessionLife),
	})
	s.log().InfoContext(r.Context(), "signed in", "email", l.Email, "ip", clientIP(r))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) || !s.endSession(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "已退出登录。"})
}

// endSession deletes the request's session and clears its cookie; false when it has
// already answered (an error).
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) bool {
	if c, err := r.Cookie(cookieName); err == nil && links.ValidToken(c.Value) {
		if err := s.Store.DeleteSession(r.Context(), links.Hash(c.Value)); err != nil {
			s.internal(w, r, err)
			return false
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies, Expires: time.Unix(0, 0)})
	return true
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	out := map[string]any{"email": u.Email, "name": u.Name, "agency": u.Agency, "roles": u.Roles}
	if ag, err := s.Store.GetAgency(r.Context(), u.Agency); err == nil {
		out["agency_name"] = ag.Name
	}
	writeJSON(w, http.StatusOK, out)
}
