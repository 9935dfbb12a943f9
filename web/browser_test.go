package web

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ggzy/accounts"
)

// browserEnv is a real HTTP server on loopback and a headless Chromium.
type browserEnv struct {
	*env
	url string
	ctx context.Context
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// newBrowser starts the server and Chromium. Without Chromium the test
// skips, or fails under CI=true.
func newBrowser(t *testing.T) *browserEnv {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium not found (CI=true forbids skipping): apt-get install chromium")
		}
		t.Skip("Chromium not found: apt-get install chromium")
	}
	e := newEnv(t)
	// The browser keeps cookies by the wall clock, so the server's clock must
	// agree with it.
	e.clock.Set(time.Now())
	// Chromium's helpers may still write to the profile for a moment after
	// the browser is closed, so the folder is removed best-effort.
	profile, err := os.MkdirTemp("", "trading-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	ts := httptest.NewServer(e.srv.Echo)
	t.Cleanup(ts.Close)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browserEnv{env: e, url: ts.URL, ctx: ctx}
}

// run runs chromedp actions, failing the test with the step's name.
func (b *browserEnv) run(t *testing.T, step string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.screenshot(t, "failed-"+step)
		t.Fatalf("%s: %v", step, err)
	}
}

// screenshot writes a PNG to web/testdata/screenshots (ignored by git).
func (b *browserEnv) screenshot(t *testing.T, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(b.ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("testdata", "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	name = strings.NewReplacer("/", "_", " ", "_").Replace(name)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Logf("write screenshot: %v", err)
	}
}

// login signs username in through the login form.
func (b *browserEnv) login(t *testing.T, username string) {
	t.Helper()
	b.run(t, "login "+username,
		chromedp.Navigate(b.url+"/login"),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
		chromedp.SendKeys(`#username`, username, chromedp.ByID),
		chromedp.SendKeys(`#password`, testPassword, chromedp.ByID),
		chromedp.Submit(`#password`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid=current-user]`, chromedp.ByQuery),
	)
}

// logout clicks 退出登录 and waits for the login page.
func (b *browserEnv) logout(t *testing.T) {
	t.Helper()
	b.run(t, "logout",
		chromedp.Click(`[data-testid=logout]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
	)
}

// TestBrowserEveryRoleLogsInAndOut: each demo role logs in through the
// browser, finds its Chinese workspace, and logs out.
func TestBrowserEveryRoleLogsInAndOut(t *testing.T) {
	b := newBrowser(t)
	for _, role := range []string{agency, staff, bidder, expert, supervisor, clerk, approver, admin} {
		user := demoUserOf[role]
		b.login(t, user)
		var heading, who, nav string
		b.run(t, "workspace "+user,
			chromedp.Text(`main h1`, &heading, chromedp.ByQuery),
			chromedp.Text(`[data-testid=current-user]`, &who, chromedp.ByQuery),
			chromedp.Text(`nav.main`, &nav, chromedp.ByQuery),
		)
		if !strings.Contains(heading, "工作台") {
			t.Errorf("%s: workspace heading %q", user, heading)
		}
		if !strings.Contains(who, accounts.RoleNames[role]) {
			t.Errorf("%s: header %q does not name the role %s", user, who, accounts.RoleNames[role])
		}
		if role == admin && !strings.Contains(nav, "用户管理") {
			t.Errorf("admin navigation lacks 用户管理: %q", nav)
		}
		if role != admin && strings.Contains(nav, "用户管理") {
			t.Errorf("%s sees the admin navigation: %q", user, nav)
		}
		b.screenshot(t, "workspace-"+user)
		b.logout(t)
	}
	// After logging out the workspace is closed again.
	var loc string
	b.run(t, "workspace after logout", chromedp.Navigate(b.url+"/workspace"), chromedp.WaitVisible(`#username`, chromedp.ByID), chromedp.Location(&loc))
	if !strings.Contains(loc, "/login") {
		t.Errorf("after logout /workspace went to %s", loc)
	}
}
