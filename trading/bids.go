package trading

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/accounts"
	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Bid file statuses.
const (
	BidSubmitted = "submitted"
	BidReplaced  = "replaced"
	BidWithdrawn = "withdrawn"
)

// MaxFileBytes is the per-file upload limit: the setting
// trading.bid_file_max_mb, or DefaultMaxFileBytes.
func (s *Service) MaxFileBytes(ctx context.Context) (int64, error) {
	var v string
	err := s.DB.GetContext(ctx, &v, `SELECT value FROM settings WHERE name = 'trading.bid_file_max_mb'`)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultMaxFileBytes, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bid file limit: %w", err)
	}
	mb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || mb <= 0 {
		return DefaultMaxFileBytes, nil
	}
	return mb << 20, nil
}

// SetMaxFileMB changes the per-file upload limit (admin).
func (s *Service) SetMaxFileMB(ctx context.Context, mb int) error {
	if mb < 1 || mb > 4096 {
		return problem.InvalidField("max_file_mb", "limit_invalid", "单个文件大小上限须为1到4096之间的整数（MB）")
	}
	a := audit.ActorFrom(ctx)
	now := s.Clock.Now()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_by, updated_at) VALUES ('trading.bid_file_max_mb', ?, ?, ?)
			ON DUPLICATE KEY UPDATE value = VALUES(value), updated_by = VALUES(updated_by), updated_at = VALUES(updated_at)`, strconv.Itoa(mb), nullID(a.UserID), now); err != nil {
			return fmt.Errorf("set bid file limit: %w", err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "trading.setting.change", ObjectType: "setting", ObjectID: "trading.bid_file_max_mb",
			Summary: map[string]any{"value": mb}})
	})
}

type receiptSealed struct {
	Name       string    `json:"name"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	ReceivedAt time.Time `json:"received_at"`
	OrgID      int64     `json:"org_id"`
	UserID     int64     `json:"user_id"`
	IP         string    `json:"ip"`
	AuditRef   string    `json:"audit_ref"`
}

// limitedHasher counts and hashes the plain bytes and fails past the limit.
type limitedHasher struct {
	r     io.Reader
	h     hash.Hash
	n     int64
	limit int64
}

var errTooLarge = problem.InvalidField("file", "file_too_large", "")

// errUpload marks a failure to read the client's upload (a client that
// went away), as opposed to a failure to store it.
type errUpload struct{ err error }

func (e errUpload) Error() string { return "read upload: " + e.err.Error() }
func (e errUpload) Unwrap() error { return e.err }

func (l *limitedHasher) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		return 0, errUpload{err}
	}
	l.n += int64(n)
	if l.n > l.limit {
		return 0, errTooLarge
	}
	l.h.Write(p[:n])
	return n, err
}

// cleanName is the name a bid file is recorded and shown under: its base
// name (no directories, Windows' or others'), in valid UTF-8, with control
// characters and the bidirectional-text controls that can make
// "报价.pdf\u202Eexe" read as something else replaced by "_".
func cleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0), r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f:
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "\uFFFD"))
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "." || name == "/" || name == "" {
		name = "投标文件"
	}
	return db.Clip(name, 120)
}

// SubmitBid stores one sealed bid file for a lot (递交): the content is
// streamed through SHA-256 and the chunked cipher under the project's key
// into the file store, then recorded in one transaction that decides, on
// the server clock read under the lot's lock, whether the deadline has
// passed. replaceID, when not 0, names an earlier file of the same bidder
// and lot that this one replaces. Whatever fails, no file and no record is
// left behind.
func (s *Service) SubmitBid(ctx context.Context, lotID int64, name string, r io.Reader, replaceID int64) (*Receipt, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	st, err := loadLot(ctx, s.DB, lotID, false)
	if err != nil {
		return nil, err
	}
	if st.LotStatus != LotOpen || !s.Clock.Now().Before(st.Deadline.Time) {
		return nil, errDeadline()
	}
	var signupID int64
	err = s.DB.GetContext(ctx, &signupID, `SELECT id FROM trading_signups WHERE lot_id = ? AND org_blind = ?`, lotID, s.orgBlind(lotID, a.OrgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.InvalidField("lot_id", "not_signed_up", "本单位未报名该标段（包），不能递交")
	}
	if err != nil {
		return nil, fmt.Errorf("sign-up for lot %d: %w", lotID, err)
	}
	limit, err := s.MaxFileBytes(ctx)
	if err != nil {
		return nil, err
	}
	aead, err := s.Vault.AEAD("bid", projectObject(st.ProjectID))
	if err != nil {
		return nil, err
	}
	// A bounded number of uploads stream at a time (see UploadSlots); the
	// others wait here, their bodies unread.
	release, err := s.uploadSlot(ctx)
	if err != nil {
		return nil, problem.InvalidField("file", "upload_incomplete", "上传中断，文件未保存，请重新上传")
	}
	defer release()
	lh := &limitedHasher{r: r, h: sha256.New(), limit: limit}
	sr, err := newSealReader(lh, aead)
	if err != nil {
		return nil, err
	}
	key, stored, err := s.Files.Put(ctx, sr)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, &problem.Error{Kind: problem.TooLarge, Code: "file_too_large", Message: fmt.Sprintf("单个文件不能超过%dMB", limit>>20),
				Fields: []problem.Field{{Name: "file", Code: "file_too_large", Message: fmt.Sprintf("单个文件不能超过%dMB", limit>>20)}}}
		}
		var ue errUpload
		if errors.As(err, &ue) {
			return nil, problem.InvalidField("file", "upload_incomplete", "上传中断，文件未保存，请重新上传")
		}
		if ctx.Err() != nil {
			return nil, problem.InvalidField("file", "upload_incomplete", "上传中断，文件未保存，请重新上传")
		}
		return nil, fmt.Errorf("store bid file: %w", err)
	}
	if lh.n == 0 {
		_ = s.Files.Delete(context.WithoutCancel(ctx), key)
		return nil, problem.InvalidField("file", "file_empty", "文件为空")
	}
	rec := &Receipt{LotID: lotID, Name: cleanName(name), SHA256: hex.EncodeToString(lh.h.Sum(nil)), Size: lh.n, Status: BidSubmitted}
	var replacedObject string
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		replacedObject = ""
		st, err := loadLot(ctx, tx, lotID, true)
		if err != nil {
			return err
		}
		now := s.Clock.Now() // the one reading that decides
		if st.LotStatus != LotOpen || !now.Before(st.Deadline.Time) {
			return errDeadline()
		}
		// Again under the lot's lock: the bidder may have withdrawn and
		// signed up again while the file streamed (a new sign-up id).
		err = tx.GetContext(ctx, &signupID, `SELECT id FROM trading_signups WHERE lot_id = ? AND org_blind = ?`, lotID, s.orgBlind(lotID, a.OrgID))
		if errors.Is(err, sql.ErrNoRows) {
			return problem.InvalidField("lot_id", "not_signed_up", "本单位未报名该标段（包），不能递交")
		}
		if err != nil {
			return fmt.Errorf("sign-up for lot %d: %w", lotID, err)
		}
		if replaceID != 0 {
			var old struct {
				SignupID int64  `db:"signup_id"`
				Status   string `db:"status"`
				Object   string `db:"object"`
			}
			err := tx.GetContext(ctx, &old, `SELECT signup_id, status, object FROM trading_bid_files WHERE id = ?`, replaceID)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && (old.SignupID != signupID || old.Status != BidSubmitted)) {
				return problem.InvalidField("replace", "bid_not_found", "要替换的文件不存在或已撤回")
			}
			if err != nil {
				return fmt.Errorf("bid file %d: %w", replaceID, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE trading_bid_files SET status = ?, ended_at = ? WHERE id = ?`, BidReplaced, now, replaceID); err != nil {
				return fmt.Errorf("replace bid file: %w", err)
			}
			replacedObject = old.Object
		}
		ref := newRef()
		rec.ReceivedAt = now
		sealed, err := s.seal("receipt", st.ProjectID, receiptSealed{Name: rec.Name, SHA256: rec.SHA256, Size: rec.Size, ReceivedAt: now,
			OrgID: a.OrgID, UserID: a.UserID, IP: a.IP, AuditRef: ref})
		if err != nil {
			return err
		}
		rec.FileID = randomID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO trading_bid_files (id, lot_id, project_id, signup_id, owner_blind, object, stored_size, sealed, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rec.FileID, lotID, st.ProjectID, signupID, s.ownerBlind(a.OrgID), key, stored, sealed, BidSubmitted, now); err != nil {
			if db.IsForeignKey(err) { // the sign-up was withdrawn meanwhile (signup_withdraw.go)
				return problem.InvalidField("lot_id", "not_signed_up", "本单位未报名该标段（包），不能递交")
			}
			return fmt.Errorf("insert bid file: %w", err)
		}
		return s.recordSealed(ctx, tx, now, "trading.sealed", ref, st.ProjectID, map[string]any{"what": "bid", "lot_id": lotID, "file_id": rec.FileID,
			"sha256": rec.SHA256, "size": rec.Size, "replaces": replaceID})
	})
	if err != nil {
		_ = s.Files.Delete(context.WithoutCancel(ctx), key)
		return nil, err
	}
	if replacedObject != "" && replacedObject != key {
		_ = s.Files.Delete(context.WithoutCancel(ctx), replacedObject)
	}
	return rec, nil
}

// WithdrawBid withdraws one of the actor's bid files before the deadline.
func (s *Service) WithdrawBid(ctx context.Context, fileID int64) error {
	a, err := requireBidder(ctx)
	if err != nil {
		return err
	}
	var object string
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var f struct {
			LotID  int64  `db:"lot_id"`
			Owner  string `db:"owner_blind"`
			Status string `db:"status"`
			Object string `db:"object"`
		}
		err := tx.GetContext(ctx, &f, `SELECT lot_id, owner_blind, status, object FROM trading_bid_files WHERE id = ?`, fileID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && f.Owner != s.ownerBlind(a.OrgID)) {
			return problem.New(problem.NotFound, "bid_not_found", "投标文件不存在")
		}
		if err != nil {
			return fmt.Errorf("bid file %d: %w", fileID, err)
		}
		st, err := loadLot(ctx, tx, f.LotID, true)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if st.LotStatus != LotOpen || !now.Before(st.Deadline.Time) {
			return errDeadline()
		}
		if f.Status != BidSubmitted {
			return problem.New(problem.Conflict, "bid_not_active", "该文件已被替换或撤回")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE trading_bid_files SET status = ?, ended_at = ? WHERE id = ?`, BidWithdrawn, now, fileID); err != nil {
			return fmt.Errorf("withdraw bid file: %w", err)
		}
		object = f.Object
		return s.recordSealed(ctx, tx, now, "trading.sealed", newRef(), st.ProjectID, map[string]any{"what": "withdraw", "file_id": fileID})
	})
	if err == nil {
		_ = s.Files.Delete(context.WithoutCancel(ctx), object)
	}
	return err
}

func (s *Service) receipts(ctx context.Context, signupID, projectID int64) ([]Receipt, error) {
	var rows []struct {
		ID     int64  `db:"id"`
		LotID  int64  `db:"lot_id"`
		Sealed []byte `db:"sealed"`
		Status string `db:"status"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT id, lot_id, sealed, status FROM trading_bid_files WHERE signup_id = ? ORDER BY created_at, id`, signupID); err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	out := []Receipt{}
	for _, r := range rows {
		var rs receiptSealed
		if err := s.unseal("receipt", projectID, r.Sealed, &rs); err != nil {
			return nil, err
		}
		out = append(out, Receipt{FileID: r.ID, LotID: r.LotID, Name: rs.Name, SHA256: rs.SHA256, Size: rs.Size, ReceivedAt: rs.ReceivedAt, Status: r.Status})
	}
	return out, nil
}

// MyReceipt returns the receipt of one of the actor's bid files.
func (s *Service) MyReceipt(ctx context.Context, fileID int64) (*Receipt, error) {
	a, err := requireBidder(ctx)
	if err != nil {
		return nil, err
	}
	var r struct {
		LotID     int64  `db:"lot_id"`
		ProjectID int64  `db:"project_id"`
		Owner     string `db:"owner_blind"`
		Sealed    []byte `db:"sealed"`
		Status    string `db:"status"`
	}
	err = s.DB.GetContext(ctx, &r, `SELECT lot_id, project_id, owner_blind, sealed, status FROM trading_bid_files WHERE id = ?`, fileID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && r.Owner != s.ownerBlind(a.OrgID)) {
		return nil, problem.New(problem.NotFound, "bid_not_found", "投标文件不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("bid file %d: %w", fileID, err)
	}
	var rs receiptSealed
	if err := s.unseal("receipt", r.ProjectID, r.Sealed, &rs); err != nil {
		return nil, err
	}
	return &Receipt{FileID: fileID, LotID: r.LotID, Name: rs.Name, SHA256: rs.SHA256, Size: rs.Size, ReceivedAt: rs.ReceivedAt, Status: r.Status}, nil
}

// OpenBidFile returns the plain content of a bid file, for staff, once its
// lot has closed (the unsealing at the opening).
func (s *Service) OpenBidFile(ctx context.Context, fileID int64) (io.ReadCloser, error) {
	a := audit.ActorFrom(ctx)
	if !a.Has(accounts.RoleStaff) {
		return nil, problem.New(problem.Forbidden, "forbidden", "只有交易中心工作人员可以在开标后解密投标文件")
	}
	var r struct {
		LotID     int64  `db:"lot_id"`
		ProjectID int64  `db:"project_id"`
		Object    string `db:"object"`
		LotStatus string `db:"lstatus"`
	}
	err := s.DB.GetContext(ctx, &r, `SELECT f.lot_id, f.project_id, f.object, l.status AS lstatus FROM trading_bid_files f JOIN trading_lots l ON l.id = f.lot_id WHERE f.id = ?`, fileID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && r.LotStatus != LotClosed) {
		return nil, problem.New(problem.NotFound, "bid_not_found", "投标文件不存在或尚未开标")
	}
	if err != nil {
		return nil, fmt.Errorf("bid file %d: %w", fileID, err)
	}
	aead, err := s.Vault.AEAD("bid", projectObject(r.ProjectID))
	if err != nil {
		return nil, err
	}
	// Every unsealing is on the record of the project.
	if err := audit.Record(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "trading.bid.unseal", ObjectType: "bid_file", ObjectID: fmt.Sprint(fileID),
		ProjectID: r.ProjectID, Summary: map[string]any{"lot_id": r.LotID}}); err != nil {
		return nil, err
	}
	f, err := s.Files.Open(ctx, r.Object)
	if err != nil {
		return nil, err
	}
	or, err := newOpenReader(f, aead)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{or, f}, nil
}
