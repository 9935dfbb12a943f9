// Package settings keeps the centre's numeric and yes/no settings (the
// `settings` table, names "<area>.<name>") and the one way an administrator's
// settings form is checked and saved: every field checked first, then only
// the changed values written, with one audit event holding old and new
// values, in one transaction.
package settings

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Field describes one setting on an administrator's page: its name (the
// part after the area prefix), label, unit and allowed range. A field with
// Bool set is a yes/no choice stored as "1" or "0" and has no unit or range.
type Field struct {
	Name  string
	Label string
	Unit  string
	Hint  string
	Min   int
	Max   int
	Bool  bool
}

// Check validates the form values of fields into out (canonical values),
// adding every fault to f.
func Check(fields []Field, in map[string]string, f *problem.Fields, out map[string]string) {
	for _, fd := range fields {
		v := strings.TrimSpace(in[fd.Name])
		if fd.Bool {
			switch v {
			case "1", "0":
				out[fd.Name] = v
			case "":
				f.Add(fd.Name, "required", "请选择"+fd.Label)
			default:
				f.Add(fd.Name, "setting_not_boolean", fd.Label+"应选择“是”或“否”")
			}
			continue
		}
		if v == "" {
			f.Add(fd.Name, "required", "请填写"+fd.Label)
			continue
		}
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			f.Add(fd.Name, "setting_not_integer", fd.Label+"应为整数")
		case n < fd.Min || n > fd.Max:
			f.Add(fd.Name, "setting_out_of_range", fmt.Sprintf("%s应为%d到%d之间的整数（%s）", fd.Label, fd.Min, fd.Max, fd.Unit))
		default:
			out[fd.Name] = strconv.Itoa(n)
		}
	}
}

// Set writes prefix.name.
func Set(ctx context.Context, x sqlx.ExecerContext, prefix, name, value string, now time.Time) error {
	_, err := x.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)`, prefix+"."+name, value, now)
	if err != nil {
		return fmt.Errorf("set %s.%s: %w", prefix, name, err)
	}
	return nil
}

// Save writes the values of names that differ from the current ones, in one
// transaction: the prefix's rows are locked first (two administrators saving
// at once are serialised and the audit's "from" is what was replaced), the
// current values are read with load, and one audit event "<prefix>.settings"
// lists old and new. It reports how many settings changed.
func Save(ctx context.Context, x *sqlx.DB, now time.Time, prefix string, names []string, vals map[string]string,
	load func(ctx context.Context, q sqlx.QueryerContext) (map[string]string, error)) (int, error) {
	changed := 0
	err := db.Transact(ctx, x, nil, func(tx *sqlx.Tx) error {
		changed = 0
		var locked []string
		if err := tx.SelectContext(ctx, &locked, `SELECT name FROM settings WHERE name LIKE ? FOR UPDATE`, prefix+".%"); err != nil {
			return fmt.Errorf("lock %s settings: %w", prefix, err)
		}
		old, err := load(ctx, tx)
		if err != nil {
			return err
		}
		diff := map[string]any{}
		for _, name := range names {
			if vals[name] == old[name] {
				continue
			}
			if err := Set(ctx, tx, prefix, name, vals[name], now); err != nil {
				return err
			}
			diff[name] = map[string]string{"from": old[name], "to": vals[name]}
			changed++
		}
		if changed == 0 {
			return nil
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: prefix + ".settings", ObjectType: "settings", ObjectID: prefix,
			Summary: map[string]any{"changed": diff}})
	})
	return changed, err
}

// Names lists the fields' names in order.
func Names(fields []Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	return out
}
