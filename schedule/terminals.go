package schedule

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"ggzy/audit"
	"ggzy/db"
	"ggzy/problem"
)

// Terminal is a device registered in a room (an evaluation PC, the hall
// screen). It proves itself with a device token, shown once at registration
// and stored only as its SHA-256 hash.
type Terminal struct {
	ID        int64        `db:"id" json:"id"`
	RoomID    int64        `db:"room_id" json:"room_id"`
	RoomName  string       `db:"room_name" json:"room_name"`
	Name      string       `db:"name" json:"name"`
	CreatedAt time.Time    `db:"created_at" json:"created_at"`
	RevokedAt sql.NullTime `db:"revoked_at" json:"-"`
}

// Active reports whether the terminal has not been revoked.
func (t Terminal) Active() bool { return !t.RevokedAt.Valid }

// tokenPrefix marks device tokens so that they are recognisable in a leak.
const tokenPrefix = "rt_"

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var errTerminalUnknown = problem.New(problem.Unauthenticated, "terminal_unknown", "本设备未登记为场地终端或登记已撤销")

// RegisterTerminal registers a device in the room and returns the device
// token, which is shown this once.
func (s *Service) RegisterTerminal(ctx context.Context, roomID int64, name string) (*Terminal, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", problem.InvalidField("name", "required", "请填写终端名称，如 评标席位1")
	}
	if utf8.RuneCountInString(name) > 64 {
		return nil, "", problem.InvalidField("name", "too_long", "终端名称不能超过64个字")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.Clock.Now().UTC()
	var id int64
	err := db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		room, err := lockRoom(ctx, tx, roomID)
		if err != nil {
			return err
		}
		// Under the room's lock: one name, one seat (a double
		// submission registered twenty devices of one name).
		var same int
		if err := tx.GetContext(ctx, &same, `SELECT COUNT(*) FROM room_terminals WHERE room_id = ? AND name = ? AND revoked_at IS NULL`, room.ID, name); err != nil {
			return err
		}
		if same > 0 {
			return problem.New(problem.Conflict, "terminal_exists", room.Name+"已登记名为“"+name+"”的终端；如需更换设备，请先撤销原终端")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO room_terminals (room_id, name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			room.ID, name, hashToken(token), nullID(audit.ActorFrom(ctx).UserID), now)
		if err != nil {
			return fmt.Errorf("register terminal in room %d: %w", roomID, err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "terminal.register", ObjectType: "room_terminal", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"room": room.Name, "name": name}})
	})
	if err != nil {
		return nil, "", err
	}
	t, err := s.terminal(ctx, id)
	return t, token, err
}

// RevokeTerminal revokes a terminal's token.
func (s *Service) RevokeTerminal(ctx context.Context, id int64) error {
	now := s.Clock.Now().UTC()
	return db.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var t Terminal
		err := tx.GetContext(ctx, &t, `SELECT t.id, t.room_id, r.name AS room_name, t.name, t.created_at, t.revoked_at
			FROM room_terminals t JOIN rooms r ON r.id = t.room_id WHERE t.id = ? FOR UPDATE`, id)
		if err == db.ErrNoRows {
			return problem.New(problem.NotFound, "terminal_not_found", "终端不存在")
		}
		if err != nil {
			return fmt.Errorf("terminal %d: %w", id, err)
		}
		if !t.Active() {
			return problem.New(problem.Conflict, "terminal_revoked", "该终端已撤销")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE room_terminals SET revoked_at = ? WHERE id = ?`, now, id); err != nil {
			return fmt.Errorf("revoke terminal %d: %w", id, err)
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "terminal.revoke", ObjectType: "room_terminal", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"room": t.RoomName, "name": t.Name}})
	})
}

const terminalSelect = `SELECT t.id, t.room_id, r.name AS room_name, t.name, t.created_at, t.revoked_at
	FROM room_terminals t JOIN rooms r ON r.id = t.room_id`

func (s *Service) terminal(ctx context.Context, id int64) (*Terminal, error) {
	var t Terminal
	if err := sqlx.GetContext(ctx, s.DB, &t, terminalSelect+` WHERE t.id = ?`, id); err != nil {
		return nil, fmt.Errorf("terminal %d: %w", id, err)
	}
	return &t, nil
}

// Terminals lists the terminals of a room, revoked ones last.
func (s *Service) Terminals(ctx context.Context, roomID int64) ([]Terminal, error) {
	out := []Terminal{}
	if err := sqlx.SelectContext(ctx, s.DB, &out, terminalSelect+` WHERE t.room_id = ? ORDER BY t.revoked_at IS NOT NULL, t.id`, roomID); err != nil {
		return nil, fmt.Errorf("terminals of room %d: %w", roomID, err)
	}
	return out, nil
}

// TerminalByToken returns the active terminal holding the device token, or
// an Unauthenticated problem "terminal_unknown".
func (s *Service) TerminalByToken(ctx context.Context, token string) (*Terminal, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 100 {
		return nil, errTerminalUnknown
	}
	var t Terminal
	err := sqlx.GetContext(ctx, s.DB, &t, terminalSelect+` WHERE t.token_hash = ? AND t.revoked_at IS NULL AND r.active = 1`, hashToken(token))
	if err == db.ErrNoRows {
		return nil, errTerminalUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("terminal by token: %w", err)
	}
	return &t, nil
}
