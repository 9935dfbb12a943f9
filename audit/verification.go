package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/clock"
	"ggzy/db"
)

// Verification is a recorded walk of the whole chain: pages show the
// latest instead of walking the chain on every view.
type Verification struct {
	ID            int64     `db:"id"`
	StartedAt     time.Time `db:"started_at"`
	FinishedAt    time.Time `db:"finished_at"`
	Via           string    `db:"via"` // Via… constants
	ByUser        string    `db:"by_user"`
	HeadSeq       int64     `db:"head_seq"`
	HeadHash      string    `db:"head_hash"`
	Events        int64     `db:"events"`
	OK            bool      `db:"ok"`
	BadSeq        int64     `db:"bad_seq"`
	BadID         int64     `db:"bad_id"`
	Code          string    `db:"code"`
	Reason        string    `db:"reason"`
	StaleUnsealed int64     `db:"stale_unsealed"`
}

// Who asked for a walk.
const (
	ViaDaily   = "daily"   // after the day's checkpoint, by the instance that took it
	ViaPage    = "page"    // a supervisor on the audit page
	ViaAPI     = "api"     // GET /api/v1/audit/verify
	ViaAnchors = "anchors" // with a check of saved checkpoints
	ViaExport  = "export"  // with a project's archive export
)

// ViaName names in Chinese who asked for a walk.
func ViaName(via string) string {
	switch via {
	case ViaDaily:
		return "每日自动校验"
	case ViaPage:
		return "监督人员在审计日志页发起"
	case ViaAPI:
		return "接口调用"
	case ViaAnchors:
		return "核对存证时"
	case ViaExport:
		return "导出项目档案时"
	}
	return via
}

// Report is the walk's outcome as Verify returned it.
func (v Verification) Report() Report {
	return Report{Events: v.Events, HeadSeq: v.HeadSeq, HeadHash: v.HeadHash, StaleUnseal: v.StaleUnsealed,
		BadSeq: v.BadSeq, BadID: v.BadID, Code: v.Code, Reason: v.Reason}
}

// VerifyAndRecord walks the chain and records the walk, with its audit
// event, by the actor in ctx.
func VerifyAndRecord(ctx context.Context, x *sqlx.DB, clk clock.Clock, via string) (Verification, error) {
	started := clk.Now().UTC().Truncate(time.Microsecond)
	rep, err := Verify(ctx, x, started)
	if err != nil {
		return Verification{}, err
	}
	a := ActorFrom(ctx)
	v := Verification{StartedAt: started, FinishedAt: clk.Now().UTC().Truncate(time.Microsecond), Via: via, ByUser: a.Username,
		HeadSeq: rep.HeadSeq, HeadHash: rep.HeadHash, Events: rep.Events, OK: rep.OK(), BadSeq: rep.BadSeq, BadID: rep.BadID,
		Code: rep.Code, Reason: db.Clip(rep.Reason, 255), StaleUnsealed: rep.StaleUnseal}
	err = db.Transact(ctx, x, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO audit_verifications (started_at, finished_at, via, by_user, head_seq, head_hash, events, ok,
			bad_seq, bad_id, code, reason, stale_unsealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.StartedAt, v.FinishedAt, v.Via, db.Clip(v.ByUser, 64), v.HeadSeq, v.HeadHash, v.Events, v.OK, v.BadSeq, v.BadID, v.Code, v.Reason, v.StaleUnsealed)
		if err != nil {
			return fmt.Errorf("record audit verification: %w", err)
		}
		if v.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("record audit verification: %w", err)
		}
		return RecordAs(ctx, tx, a, v.FinishedAt, Event{Action: "audit.verify", ObjectType: "audit_verification", ObjectID: strconv.FormatInt(v.ID, 10),
			Summary: map[string]any{"via": via, "ok": v.OK, "events": v.Events, "head_seq": v.HeadSeq, "head_hash": v.HeadHash, "code": v.Code,
				"bad_seq": v.BadSeq, "stale_unsealed": v.StaleUnsealed, "ms": v.FinishedAt.Sub(v.StartedAt).Milliseconds()}})
	})
	return v, err
}

// LatestVerification returns the newest recorded walk, nil when there is none.
func LatestVerification(ctx context.Context, x sqlx.QueryerContext) (*Verification, error) {
	var v Verification
	err := sqlx.GetContext(ctx, x, &v, `SELECT id, started_at, finished_at, via, by_user, head_seq, head_hash, events, ok, bad_seq, bad_id,
		code, reason, stale_unsealed FROM audit_verifications ORDER BY id DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest audit verification: %w", err)
	}
	return &v, nil
}
