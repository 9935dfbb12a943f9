package trading

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/calendar"
	"ggzy/db"
	"ggzy/problem"
	"ggzy/schedule"
)

// Termination before the deadline (终止招标 / 终止采购). 招标投标法实施条例
// 第三十一条: a tenderer who ends a tender publishes a notice and pays back
// the deposits received (with the bank's interest for the time held); the
// government procurement rules say the same of a procurement ended before
// its opening. After the deadline a lot's 终止 is stated in the result
// notice instead (outcomes.go).

func errTerminated() error {
	return problem.New(problem.Gone, "project_terminated", "项目已终止（见终止公告），不再接受报名、递交、修改或撤回")
}

// TerminationResult is what a termination did.
type TerminationResult struct {
	RefundDue string   `json:"refund_due"` // the day the deposits are to be paid back by
	Deposits  int      `json:"deposits"`   // deposits registered, now listed for refund
	Warnings  []string `json:"warnings"`   // what staff must still arrange
}

// Terminate ends a published project before its deadline: every lot is
// closed unopened (the sealed sign-ups, deposits and bid files stay sealed
// for good; their audit references are tied to the project's archive), the
// deadline and sign-up events are cancelled, a 终止公告 with the reason is
// published, and every registered deposit falls due for refund by the
// project's refund rule. The project's room bookings are cancelled after
// the commit (ProjectTerminated).
func (s *Service) Terminate(ctx context.Context, id int64, reason string) (*TerminationResult, error) {
	a, err := requireAgency(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return nil, problem.InvalidField("reason", "required", "请填写终止的原因（将在终止公告中公布）")
	case n > 1000:
		return nil, problem.InvalidField("reason", "too_long", "终止原因不能超过1000字")
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out TerminationResult
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		out = TerminationResult{}
		status, err := lockOwned(ctx, tx, id, a)
		if err != nil {
			return err
		}
		if status == StatusTerminated {
			return problem.New(problem.Conflict, "project_terminated", "项目已终止")
		}
		if status != StatusPublished {
			return problem.New(problem.Conflict, "project_not_published", "只有已发布公告、尚未截止的项目可以终止")
		}
		p, err := loadProject(ctx, tx, id)
		if err != nil {
			return err
		}
		if !now.Before(p.Timeline.Deadline) {
			return problem.New(problem.Conflict, "deadline_passed", "递交截止时间已到：已开标的标段（包）请在结果公告中公告终止及其原因")
		}
		for _, l := range p.Lots {
			if l.Status != LotOpen {
				return problem.New(problem.Conflict, "lot_not_open", fmt.Sprintf("标段（包）「%s」已截止，项目不能再终止", l.Name))
			}
		}
		due, err := s.refundDay(ctx, tx, p, cal, dayOf(now))
		if err != nil {
			return err
		}
		out.RefundDue = due.String()
		for _, l := range p.Lots {
			if _, err := tx.ExecContext(ctx, `UPDATE trading_lots SET status = ?, closed_at = ? WHERE id = ?`, LotTerminated, now, l.ID); err != nil {
				return fmt.Errorf("terminate lot %d: %w", l.ID, err)
			}
			if err := schedule.Cancel(ctx, tx, DeadlineEvent, fmt.Sprintf("lot:%d", l.ID), now); err != nil {
				return err
			}
			refs, signups, files, withdrawn, err := s.lotSealedRefs(ctx, tx, p.ID, l.ID)
			if err != nil {
				return err
			}
			if err := audit.RecordAs(ctx, tx, audit.System, now, audit.Event{Action: "trading.lot.terminate", ObjectType: "lot", ObjectID: fmt.Sprint(l.ID),
				ProjectID: p.ID, Summary: map[string]any{"signups": signups, "bid_files": files, "withdrawn": withdrawn, "sealed_refs": refs}}); err != nil {
				return err
			}
		}
		if err := schedule.Cancel(ctx, tx, SignupEndEvent, projectObject(p.ID), now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE trading_signups SET refund_due = ? WHERE project_id = ? AND refunded_at IS NULL AND deposit_sealed IS NOT NULL`, due.String(), id)
		if err != nil {
			return fmt.Errorf("refund due dates: %w", err)
		}
		n, _ := res.RowsAffected()
		out.Deposits = int(n)
		if out.Deposits > 0 {
			if err := scheduleRefundDue(ctx, tx, id, due, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_projects SET status = ?, updated_at = ? WHERE id = ?`, StatusTerminated, now, id); err != nil {
			return fmt.Errorf("terminate project %d: %w", id, err)
		}
		// The tender's notice no longer shows it as open.
		if _, err := tx.ExecContext(ctx, `UPDATE trading_announcements SET deadline = ? WHERE project_id = ?`, now, id); err != nil {
			return fmt.Errorf("close announcements of project %d: %w", id, err)
		}
		body := fmt.Sprintf("%s（项目编号 %s）终止%s。\n\n终止原因：%s\n\n已收取的投标（响应）保证金将于 %s 前退还，并按规定支付银行同期存款利息；已递交的投标（响应）文件不予开启。",
			p.Title, p.Code, terminationWord(p.Kind), reason, localDate(due))
		p.Timeline.Deadline = now
		annID, err := insertAnnouncement(ctx, tx, p, "termination", p.Title+"终止公告", body, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.project.terminate", ObjectType: "project", ObjectID: fmt.Sprint(id), ProjectID: id,
			Summary: map[string]any{"reason": reason, "announcement": annID, "refund_due": out.RefundDue, "deposits": out.Deposits}})
	})
	if err != nil {
		return nil, err
	}
	s.portalInvalidate()
	for _, l := range s.lotIDsOf(ctx, id) {
		s.lotCache.Delete(l)
	}
	if s.ProjectTerminated != nil {
		out.Warnings = s.ProjectTerminated(ctx, id)
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return &out, nil
}

func terminationWord(kind string) string {
	switch kind {
	case Procurement:
		return "采购"
	case Land, Property:
		return "交易"
	}
	return "招标"
}

func localDate(d calendar.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

// refundDay is the day deposits fall due for refund from day on, by the
// project's refund rule (5 日, or 5 工作日 for procurement; the last that
// applies, 5 日 when none does). The result notice and a termination use it.
func (s *Service) refundDay(ctx context.Context, tx *sqlx.Tx, p *Project, cal *calendar.Calendar, day calendar.Date) (calendar.Date, error) {
	rs, err := loadRuleSet(ctx, tx, p.RuleSetID)
	if err != nil {
		return calendar.Date{}, err
	}
	due := day.AddDays(5)
	for _, r := range rs.Rules {
		if r.Applies(p.Kind, p.Method) && r.CheckType == "refund" {
			due = cal.AddDays(day, r.Days, r.DayCount())
		}
	}
	return due, nil
}

// lotIDsOf lists a project's lots (for the cache; errors leave it as is).
func (s *Service) lotIDsOf(ctx context.Context, projectID int64) []int64 {
	var ids []int64
	_ = s.DB.SelectContext(ctx, &ids, `SELECT id FROM trading_lots WHERE project_id = ?`, projectID)
	return ids
}
