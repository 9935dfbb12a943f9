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
	stored, err := s.store(ctx, kind, lotID, buf.Bytes(), hash)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	err = db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		return recordIssued(ctx, tx, now, projectID, lotID, kind, hash, buf.Len(), stored)
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

// store keeps the bytes of a document in Files, when set, under their
// SHA-256; it reports whether they were kept.
func (s *Service) store(ctx context.Context, kind string, lotID int64, pdf []byte, hash string) (bool, error) {
	if s.Files == nil {
		return false, nil
	}
	key, _, err := s.Files.Put(ctx, bytes.NewReader(pdf))
	if err != nil {
		return false, fmt.Errorf("store %s of lot %d: %w", kind, lotID, err)
	}
	if key != hash {
		return false, fmt.Errorf("store %s of lot %d: file store key %s differs from the SHA-256 %s", kind, lotID, key, hash)
	}
	return true, nil
}

// recordIssued writes the issued_documents row and its audit event in tx.
// The row is unique per project, kind and SHA-256: recording the same bytes
// again changes nothing, so issuing is idempotent.
func recordIssued(ctx context.Context, tx *sqlx.Tx, now time.Time, projectID, lotID int64, kind, hash string, size int, stored bool) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM issued_documents WHERE project_id = ? AND kind = ? AND sha256 = ?`, projectID, kind, hash); err != nil {
		return fmt.Errorf("look up issued %s: %w", kind, err)
	}
	if n > 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO issued_documents (project_id, lot_id, kind, sha256, size, stored, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		projectID, nullID(lotID), kind, hash, size, stored, nullID(audit.ActorFrom(ctx).UserID), now)
	if db.IsDuplicate(err) {
		return nil // issued meanwhile by a concurrent call
	}
	if err != nil {
		return fmt.Errorf("record issued %s: %w", kind, err)
	}
	return audit.RecordAs(ctx, tx, actorOrSystem(ctx), now, audit.Event{Action: "document.issue", ObjectType: "document", ObjectID: hash,
		ProjectID: projectID, Summary: map[string]any{"kind": kind, "lot": lotID, "sha256": hash, "size": size}})
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
