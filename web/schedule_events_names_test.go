package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"ggzy/expertpool"
	"ggzy/schedule"
	"ggzy/trading"
)

// TestTimedEventsPageNamesKindsAndObjects: the timed events page names
// each event and its object in Chinese (it showed trading.signup_end,
// draw:1/member:2 and a raw RFC 3339 occurrence).
func TestTimedEventsPageNamesKindsAndObjects(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	due := e.clock.Now().Add(240 * time.Hour)
	occurrence := time.Date(2031, 3, 4, 2, 30, 0, 0, time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
	for _, ev := range [][2]string{{trading.SignupEndEvent, "project:98765"}, {expertpool.KindReplyDeadline, "draw:98765/member:4321"},
		{schedule.KindRetentionSweep, occurrence}} {
		if err := schedule.At(ctx, e.db, ev[0], ev[1], due, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	body := e.browser("staff").get("/schedule/events?state=pending").Body.String()
	for _, want := range []string{"报名截止", "项目 98765", "专家答复期限", "专家抽取 98765 / 专家 4321", "录像保存期限清理", "2031-03-04 02:30 次"} {
		if !strings.Contains(body, want) {
			t.Errorf("events page lacks %q", want)
		}
	}
	for _, raw := range []string{">trading.signup_end<", ">draw:98765/member:4321<", "&#43;08:00<"} {
		if strings.Contains(body, raw) {
			t.Errorf("events page shows the raw %q", raw)
		}
	}
}
