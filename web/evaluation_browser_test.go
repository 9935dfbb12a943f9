package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserEvaluationTerminalJourney: an expert at a registered terminal
// of the booked room scores with the keyboard (every keystroke saved to the
// server), reloads the page and finds his scores, then signs the report.
func TestBrowserEvaluationTerminalJourney(t *testing.T) {
	b := newBrowser(t)
	e := b.env
	f := newEvalFixture(t, e, 5)
	committee := []string{"expert1", "expert2", "expert3", "expert4", "expert5"}
	d := f.openAndSeat(t, committee)
	f.reviewAll(t, committee, d, nil)
	mustOK(t, f.desk("expert1", http.MethodPost, "/reviews/confirm", nil))
	d = f.deskView(t, "expert2")
	scored := d.ScoredCriteria()

	// The device is a registered terminal: the cookie /schedule/device sets.
	u, _ := url.Parse(b.url)
	b.run(t, "terminal cookie", chromedp.ActionFunc(func(ctx context.Context) error {
		return network.SetCookie(terminalCookie, f.token).WithDomain(u.Hostname()).WithPath("/").WithHTTPOnly(true).Do(ctx)
	}))
	b.login(t, "expert2")
	lotPage := fmt.Sprintf("%s/evaluation/terminal/lots/%d", b.url, f.lot)
	b.run(t, "terminal list",
		chromedp.Navigate(b.url+"/evaluation/terminal"),
		chromedp.Click(fmt.Sprintf(`[data-testid=open-lot-%d]`, f.lot), chromedp.ByQuery),
		chromedp.WaitVisible(`form.score`, chromedp.ByQuery),
	)
	// Type every score of the first two bids; Enter moves to the next cell.
	want := map[string]string{}
	n := 0
	for i, bid := range d.Bids[:2] {
		for j, c := range scored {
			v := fmt.Sprintf("%d.5", int(c.Max/100)-3-i-j)
			sel := fmt.Sprintf(`[data-testid=score-%d-%d]`, bid.ID, c.ID)
			want[sel] = v + "0"
			b.run(t, "score "+sel, chromedp.SendKeys(sel, v+"\r", chromedp.ByQuery))
			n++
		}
	}
	b.run(t, "all saved", chromedp.Poll(fmt.Sprintf(`document.querySelectorAll('form.score .save.ok').length >= %d`, n), nil))
	b.screenshot(t, "evaluation-terminal-scoring")

	// A reload (or a restarted terminal) shows the scores from the server.
	b.run(t, "reload", chromedp.Navigate(lotPage), chromedp.WaitVisible(`form.score`, chromedp.ByQuery))
	for sel, v := range want {
		var got string
		b.run(t, "read "+sel, chromedp.Value(sel, &got, chromedp.ByQuery))
		if got != v {
			t.Errorf("%s after reload = %q, want %q", sel, got, v)
		}
	}
	// A score above the maximum is refused on the spot.
	over := fmt.Sprintf(`[data-testid=score-%d-%d]`, d.Bids[2].ID, scored[2].ID)
	var msg string
	b.run(t, "over max",
		chromedp.SendKeys(over, "11", chromedp.ByQuery),
		chromedp.Poll(`Array.from(document.querySelectorAll('form.score .save.bad')).some(e => e.textContent.includes('满分'))`, nil),
		chromedp.Text(`form.score .save.bad`, &msg, chromedp.ByQuery),
	)
	if !strings.Contains(msg, "满分") {
		t.Errorf("over-max message %q", msg)
	}

	// The others finish through the API; expert2 completes his own and the chair sums up.
	for _, x := range committee {
		for i, bid := range d.Bids {
			for j, c := range scored {
				if x == "expert2" && i < 2 {
					continue // typed in the browser
				}
				p := c.Max - 300
				if i < 2 {
					p = Points((int(c.Max/100)-3-i-j)*100 + 50)
				}
				mustOK(t, f.desk(x, http.MethodPut, "/scores", map[string]any{"bid_id": bid.ID, "criterion_id": c.ID, "points": p.String()}))
			}
		}
	}
	mustOK(t, f.desk("expert1", http.MethodPost, "/summary", nil))

	var signed string
	b.run(t, "sign",
		chromedp.Navigate(lotPage),
		chromedp.WaitVisible(`#sign`, chromedp.ByID),
		chromedp.Click(`#sign`, chromedp.ByID),
		chromedp.WaitVisible(`[data-testid=signed]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid=signed]`, &signed, chromedp.ByQuery),
	)
	if !strings.Contains(signed, "同意") {
		t.Errorf("after signing: %q", signed)
	}
	b.screenshot(t, "evaluation-terminal-signed")
	if n := e.count(`SELECT COUNT(*) FROM evaluation_members WHERE lot_id = ? AND name = '专家2' AND signature = 'agree'`, f.lot); n != 1 {
		t.Errorf("signature not stored")
	}
}
