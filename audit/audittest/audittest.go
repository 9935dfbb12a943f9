// Package audittest holds what tests of the audit chain share.
package audittest

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
)

// Rechain recomputes every hash from seq from on and moves the head, as
// someone with write access to the database could after changing or
// removing events: the chain alone then verifies.
func Rechain(t testing.TB, x *sqlx.DB, from int64) {
	t.Helper()
	var rows []audit.Row
	if err := x.Select(&rows, `SELECT `+audit.Columns+` FROM audit_events WHERE seq >= ? ORDER BY seq`, from); err != nil {
		t.Fatal(err)
	}
	prev := audit.Genesis
	if from > 1 {
		if err := x.Get(&prev, `SELECT hash FROM audit_events WHERE seq = ?`, from-1); err != nil {
			t.Fatal(err)
		}
	}
	for i := range rows {
		h := audit.HashOf(prev, &rows[i], rows[i].Seq.Int64)
		if _, err := x.Exec(`UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?`, prev, h, rows[i].ID); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
	if _, err := x.Exec(`UPDATE audit_head SET hash = ?, seq = (SELECT MAX(seq) FROM audit_events) WHERE id = 1`, prev); err != nil {
		t.Fatal(err)
	}
}
