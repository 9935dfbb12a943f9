package evaluation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Kinds of issued documents.
const (
	DocOpeningRecord    = "opening_record"    // 开标记录表
	DocEvaluationReport = "evaluation_report" // 评标报告
	DocFailedReport     = "failed_report"     // 评标失败报告
	DocAwardNotice      = "award_notice"      // 中标通知书
	DocDrawRecord       = "draw_record"       // 抽取记录
)

var docKinds = map[string]bool{DocOpeningRecord: true, DocEvaluationReport: true, DocFailedReport: true, DocAwardNotice: true, DocDrawRecord: true}

// IssuedDocument is a document issued for a project: its SHA-256 and size
// are kept with the project (一项一档).
type IssuedDocument struct {
	ID        int64     `json:"id" db:"id"`
	ProjectID int64     `json:"project_id" db:"project_id"`
	LotID     int64     `json:"lot_id" db:"lot_id"`
	Kind      string    `json:"kind" db:"kind"`
	SHA256    string    `json:"sha256" db:"sha256"`
	Size      int64     `json:"size" db:"size"`
	Stored    bool      `json:"stored" db:"stored"`
	IssuedAt  time.Time `json:"issued_at" db:"issued_at"`
}

// Issue renders a document of the lot (render writes the PDF, e.g. one of
// the minutes package's renderers), keeps the bytes in Files when set, and
// records its SHA-256 and size with the project in one transaction with its
// audit event. Issuing the same bytes again returns the earlier record.
func (s *Service) Issue(ctx context.Context, projectID, lotID int64, kind string, render func(io.Writer) error) (*IssuedDocument, error) {
	if !docKinds[kind] {
		return nil, problem.InvalidField("kind", "document_kind_unknown", "文书类型不正确")
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return nil, fmt.Errorf("render %s of lot %d: %w", kind, lotID, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	hash := hex.EncodeToString(sum[:])
	stored := false
	if s.Files != nil {
		key, _, err := s.Files.Put(ctx, bytes.NewReader(buf.Bytes()))
		if err != nil {
			return nil, fmt.Errorf("store %s of lot %d: %w", kind, lotID, err)
		}
		if key != hash {
			return nil, fmt.Errorf("store %s of lot %d: file store key %s differs from the SHA-256 %s", kind, lotID, key, hash)
		}
		stored = true
	}
	now := s.Clock.Now()
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO issued_documents (project_id, lot_id, kind, sha256, size, stored, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			projectID, nullID(lotID), kind, hash, buf.Len(), stored, nullID(audit.ActorFrom(ctx).UserID), now)
		if db.IsDuplicate(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("record issued %s: %w", kind, err)
		}
		return audit.RecordAs(ctx, tx, actorOrSystem(ctx), now, audit.Event{Action: "document.issue", ObjectType: "document", ObjectID: hash,
			ProjectID: projectID, Summary: map[string]any{"kind": kind, "lot": lotID, "sha256": hash, "size": buf.Len()}})
	})
	if err != nil {
		return nil, err
	}
	var d IssuedDocument
	if err := s.DB.GetContext(ctx, &d, `SELECT id, project_id, COALESCE(lot_id, 0) AS lot_id, kind, sha256, size, stored, issued_at
		FROM issued_documents WHERE project_id = ? AND kind = ? AND sha256 = ?`, projectID, kind, hash); err != nil {
		return nil, fmt.Errorf("issued %s: %w", kind, err)
	}
	return &d, nil
}

// Documents lists the documents issued for a project.
func (s *Service) Documents(ctx context.Context, projectID int64) ([]IssuedDocument, error) {
	out := []IssuedDocument{}
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, project_id, COALESCE(lot_id, 0) AS lot_id, kind, sha256, size, stored, issued_at
		FROM issued_documents WHERE project_id = ? ORDER BY id`, projectID); err != nil {
		return nil, fmt.Errorf("documents of project %d: %w", projectID, err)
	}
	return out, nil
}
