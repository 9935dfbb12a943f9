package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// In a real browser: the administrator finds a user who forgot the
// password, resets it and reads the temporary one off the page; the user
// logs in with it, is kept on the account page until the password is
// changed, and then works as before.
func TestBrowserForgottenPassword(t *testing.T) {
	b := newBrowser(t)
	username := fmt.Sprintf("bw%d", time.Now().UnixNano()%1e9)
	if r := b.env.api("admin").json(http.MethodPost, "/api/v1/users", map[string]any{"username": username, "display_name": "赵窗口",
		"roles": []string{"clerk"}, "password": "Forgotten-Pass-2026"}); r.Code != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.Code, r.Body.String())
	}
	b.login(t, "admin")
	var temp, page string
	b.run(t, "find and reset",
		chromedp.Navigate(b.url+"/admin/users"),
		chromedp.WaitVisible(`[data-testid=user-filter] input[name=q]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid=user-filter] input[name=q]`, username, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=reset-agency]`, chromedp.ByQuery), // the whole list
		chromedp.Submit(`[data-testid=user-filter] input[name=q]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid=reset-agency]`, chromedp.ByQuery), // the filtered list has come
		chromedp.WaitVisible(`[data-testid=reset-`+username+`] button`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=reset-`+username+`] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=temporary-password]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=temporary-password]`, &temp, chromedp.ByQuery),
		chromedp.Text(`[data-testid=password-reset]`, &page, chromedp.ByQuery),
	)
	temp = strings.TrimSpace(temp)
	if len(temp) != 12 || !strings.Contains(page, "只显示这一次") {
		t.Fatalf("temporary password %q on %q", temp, page)
	}
	// Off the users page first: its new-user form has a #username field,
	// which logout's wait for the login page would take for the login form.
	b.run(t, "workspace", chromedp.Navigate(b.url+"/workspace"), chromedp.WaitVisible(`[data-testid=current-user]`, chromedp.ByQuery))
	b.logout(t)

	var loc, notice string
	b.run(t, "login with the temporary password",
		chromedp.Navigate(b.url+"/login"),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
		chromedp.SendKeys(`#username`, username, chromedp.ByID),
		chromedp.SendKeys(`#password`, temp, chromedp.ByID),
		chromedp.Submit(`#password`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid=must-change]`, chromedp.ByQuery),
		chromedp.Location(&loc),
		chromedp.Text(`[data-testid=must-change]`, &notice, chromedp.ByQuery),
	)
	if !strings.HasSuffix(loc, "/account") || !strings.Contains(notice, "请先修改") {
		t.Fatalf("the login with the temporary password led to %s (%q)", loc, notice)
	}
	b.run(t, "change the password",
		chromedp.SendKeys(`#current`, temp, chromedp.ByID),
		chromedp.SendKeys(`#password`, "Only-Mine-Now-2026", chromedp.ByID),
		chromedp.Submit(`#password`, chromedp.ByID),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
		chromedp.SendKeys(`#username`, username, chromedp.ByID),
		chromedp.SendKeys(`#password`, "Only-Mine-Now-2026", chromedp.ByID),
		chromedp.Submit(`#password`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid=current-user]`, chromedp.ByQuery),
		chromedp.Location(&loc),
	)
	if !strings.HasSuffix(loc, "/workspace") {
		t.Fatalf("after the change the login led to %s", loc)
	}
}
