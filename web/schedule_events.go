package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ggzy/approval"
	"ggzy/clock"
	"ggzy/evaluation"
	"ggzy/expertpool"
	"ggzy/schedule"
	"ggzy/trading"
)

// eventsView is the timed events page.
type eventsView struct {
	Tab    string
	Events []schedule.Event
	Counts map[string]int
	States map[string]string
}

// eventKindNames name the timed events of every area for staff (the kinds
// are registered in cmd/trading/events.go).
var eventKindNames = map[string]string{
	trading.DeadlineEvent:             "投标截止（开标）",
	trading.SignupEndEvent:            "报名截止",
	trading.RefundDueEvent:            "保证金退还期限",
	trading.FixedPricePublicityEnd:    "固定价比选结果公示期满",
	trading.FixedPriceConfirmDeadline: "固定价比选中选确认期限",
	trading.FixedPriceContractDue:     "固定价比选合同签订期限",
	evaluation.PublicityEvent:         "中标候选人公示期满",
	expertpool.KindReplyDeadline:      "专家答复期限",
	approval.MaterialsDueEvent:        "审批补正材料期限",
	approval.StepDueEvent:             "审批环节办理时限",
	approval.KindMonitor:              "电子监察巡查",
	schedule.KindRetentionSweep:       "录像保存期限清理",
	schedule.KindStatistics:           "交易统计汇总",
}

// eventObjectNames name the objects of timed events ("lot:3" is 标段 3).
var eventObjectNames = map[string]string{
	"project": "项目", "lot": "标段", "selection": "固定价比选", "draw": "专家抽取", "member": "专家",
	"case": "审批办件", "step": "审批环节",
}

// KindName names an event kind; an unknown kind stands as itself.
func (eventsView) KindName(kind string) string {
	if n, ok := eventKindNames[kind]; ok {
		return n
	}
	return kind
}

// TargetName names an event's object: "draw:1/member:2" is "专家抽取 1 /
// 专家 2"; the occurrence of a recurring event (a time) is shown in Beijing
// time.
func (eventsView) TargetName(target string) string {
	if t, err := time.Parse(time.RFC3339, target); err == nil {
		return t.In(clock.Shanghai).Format("2006-01-02 15:04") + " 次"
	}
	parts := strings.Split(target, "/")
	for i, p := range parts {
		if k, id, ok := strings.Cut(p, ":"); ok {
			if n, ok := eventObjectNames[k]; ok {
				parts[i] = n + " " + id
			}
		}
	}
	return strings.Join(parts, " / ")
}

var eventTabs = map[string]schedule.EventFilter{
	"failed":  {State: schedule.EventFailed},
	"overdue": {Overdue: true},
	"pending": {State: schedule.EventPending},
	"running": {State: schedule.EventRunning},
	"done":    {State: schedule.EventDone, Limit: 100},
}

func (s *Server) schedEvents(c echo.Context) error {
	ctx := c.Request().Context()
	tab := c.QueryParam("state")
	f, ok := eventTabs[tab]
	if !ok {
		tab, f = "failed", eventTabs["failed"]
	}
	f.Kind = c.QueryParam("kind")
	list, err := s.Schedule.Events(ctx, f)
	if err != nil {
		return err
	}
	counts, err := s.Schedule.EventCounts(ctx)
	if err != nil {
		return err
	}
	overdue, err := s.Schedule.Events(ctx, schedule.EventFilter{Overdue: true, Limit: 500})
	if err != nil {
		return err
	}
	counts["overdue"] = len(overdue)
	return s.render(c, http.StatusOK, "schedule_events", "定时任务", eventsView{Tab: tab, Events: list, Counts: counts, States: schedule.EventStateNames})
}

func (s *Server) schedEventRetry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Schedule.RetryEvent(c.Request().Context(), id); err != nil {
		return err
	}
	return s.redirectFlash(c, "/schedule/events?state=failed", "已重新排队，将在下一秒由任一实例执行")
}

func (s *Server) apiEvents(c echo.Context) error {
	f := schedule.EventFilter{State: c.QueryParam("state"), Kind: c.QueryParam("kind"), Overdue: c.QueryParam("overdue") == "1"}
	if l, err := strconv.Atoi(c.QueryParam("limit")); err == nil {
		f.Limit = l
	}
	list, err := s.Schedule.Events(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"events": list})
}

func (s *Server) apiEventRetry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Schedule.RetryEvent(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Recordings and retention.

func (s *Server) schedRecordings(c echo.Context) error {
	ctx := c.Request().Context()
	classes, err := s.Schedule.RecordingClasses(ctx)
	if err != nil {
		return err
	}
	class := c.QueryParam("class")
	if class == "" && len(classes) > 0 {
		class = classes[0].Class
	}
	deleted := c.QueryParam("deleted") == "1"
	list, err := s.Schedule.Recordings(ctx, class, deleted, 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "schedule_recordings", "录像保存期限", map[string]any{"Classes": classes, "Class": class,
		"Deleted": deleted, "Recordings": list, "CanEdit": anyRole(currentUser(c), []string{admin})})
}

type retentionForm struct {
	Class string `form:"class" json:"-"`
	Days  int    `form:"retention_days" json:"retention_days"`
}

func (s *Server) schedRetentionSet(c echo.Context) error {
	var f retentionForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	if err := s.Schedule.SetRetention(c.Request().Context(), f.Class, f.Days); err != nil {
		return err
	}
	return s.redirectFlash(c, "/schedule/recordings?class="+f.Class, "保存期限已修改为 "+strconv.Itoa(f.Days)+" 天，下一次夜间清理起生效")
}

func (s *Server) apiRecordingClasses(c echo.Context) error {
	classes, err := s.Schedule.RecordingClasses(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"classes": classes})
}

func (s *Server) apiRetentionSet(c echo.Context) error {
	var f retentionForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	if err := s.Schedule.SetRetention(c.Request().Context(), c.Param("class"), f.Days); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type recordingForm struct {
	Class      string `json:"class"`
	ProjectID  int64  `json:"project_id"`
	RoomID     int64  `json:"room_id"`
	Ref        string `json:"ref"`
	RecordedAt string `json:"recorded_at"`
	SizeBytes  int64  `json:"size_bytes"`
}

func (s *Server) apiRecordingAdd(c echo.Context) error {
	var f recordingForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	id, err := s.Schedule.AddRecording(c.Request().Context(), schedule.RecordingInput{Class: f.Class, ProjectID: f.ProjectID, RoomID: f.RoomID,
		Ref: f.Ref, RecordedAt: f.RecordedAt, SizeBytes: f.SizeBytes})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": id})
}

// Statistics.

func (s *Server) schedStatistics(c echo.Context) error {
	totals, runs, err := s.Schedule.MonthlyStatistics(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "schedule_statistics", "交易统计", map[string]any{"Totals": totals, "Runs": runs, "KindNames": trading.KindNames})
}

func (s *Server) apiStatistics(c echo.Context) error {
	totals, runs, err := s.Schedule.MonthlyStatistics(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"monthly": totals, "runs": runs})
}
