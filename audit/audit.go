// Package audit records every state change as an append-only event, written
// in the same transaction as the change, and seals committed events into one
// SHA-256 hash chain.
//
// Writers never wait for each other: an event is inserted unsealed (seq and
// hash NULL). A sealer, one at a time across all instances (it locks the single
// audit_head row), takes committed unsealed events in id order, gives each the
// next sequence number and hash = SHA-256(previous hash ‖ canonical content),
// and moves the head. The chain order is the sealing order. What a reader can
// rely on: every sealed event with seq ≤ head.seq is covered by the chain, a
// changed, deleted or inserted sealed row breaks it at that event, and an
// event is sealed within a second or two of its commit (Verify reports the
// unsealed events older than a minute as a problem).
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// Actor is who does something: the user and the role they act in, their
// organisation and the client address. Web middleware puts it in the request
// context; system jobs use System.
type Actor struct {
	UserID   int64
	Username string
	Name     string
	Role     string
	Roles    []string
	OrgID    int64
	IP       string
}

// Has reports whether the actor holds role.
func (a Actor) Has(role string) bool {
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// System is the actor for timed jobs and start-up work.
var System = Actor{Username: "system", Role: "system", Roles: []string{"system"}}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or an anonymous actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Username: "anonymous"}
}

// Event is one state change.
type Event struct {
	Action     string // e.g. "org.approve"
	ObjectType string // e.g. "organisation"
	ObjectID   string
	ProjectID  int64 // 0 when the event belongs to no project
	Summary    any   // marshalled to JSON (RawSummary: written as is); keep it small and free of secrets
}

// RawSummary is a summary that is already JSON (an object), written as is:
// for hot paths that build it once. The caller answers for its validity.
type RawSummary string

func summaryJSON(ev Event) (string, error) {
	switch v := ev.Summary.(type) {
	case nil:
		return "{}", nil
	case RawSummary:
		return string(v), nil
	}
	b, err := json.Marshal(ev.Summary)
	if err != nil {
		return "", fmt.Errorf("audit %s: marshal summary: %w", ev.Action, err)
	}
	return string(b), nil
}

const insertEvent = `INSERT INTO audit_events
  (occurred_at, actor_user_id, actor, role, org_id, ip, action, object_type, object_id, project_id, summary)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Record writes ev by the actor in ctx at time at, in the caller's transaction.
func Record(ctx context.Context, ext sqlx.ExecerContext, at time.Time, ev Event) error {
	return RecordAs(ctx, ext, ActorFrom(ctx), at, ev)
}

// RecordAs writes ev by actor a.
func RecordAs(ctx context.Context, ext sqlx.ExecerContext, a Actor, at time.Time, ev Event) error {
	summary, err := summaryJSON(ev)
	if err != nil {
		return err
	}
	_, err = ext.ExecContext(ctx, insertEvent,
		at.UTC().Truncate(time.Microsecond), nullID(a.UserID), a.Username, a.Role, nullID(a.OrgID), a.IP,
		ev.Action, ev.ObjectType, ev.ObjectID, nullID(ev.ProjectID), summary)
	if err != nil {
		return fmt.Errorf("audit %s: %w", ev.Action, err)
	}
	return nil
}

// Timed is an event with its own time, for RecordBatchAs.
type Timed struct {
	At time.Time
	Event
}

// RecordBatchAs writes several events by actor a in one multi-row INSERT:
// for group commits, where many requests' state changes share one
// transaction and each still gets its own event. Nothing is written when
// evs is empty.
func RecordBatchAs(ctx context.Context, ext sqlx.ExecerContext, a Actor, evs []Timed) error {
	if len(evs) == 0 {
		return nil
	}
	q, args, err := AppendBatch(nil, nil, a, evs)
	if err != nil {
		return err
	}
	if _, err := ext.ExecContext(ctx, string(q), args...); err != nil {
		return fmt.Errorf("audit batch of %d: %w", len(evs), err)
	}
	return nil
}

// AppendBatch appends to q and args the multi-row INSERT that
// RecordBatchAs runs, for a caller that sends it together with other
// statements. evs must not be empty.
func AppendBatch(q []byte, args []any, a Actor, evs []Timed) ([]byte, []any, error) {
	q = append(q, insertEvent...)
	args = slices.Grow(args, 11*len(evs))
	for i, ev := range evs {
		summary, err := summaryJSON(ev.Event)
		if err != nil {
			return nil, nil, err
		}
		if i > 0 {
			q = append(q, ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"...)
		}
		args = append(args, ev.At.UTC().Truncate(time.Microsecond), nullID(a.UserID), a.Username, a.Role, nullID(a.OrgID), a.IP,
			ev.Action, ev.ObjectType, ev.ObjectID, nullID(ev.ProjectID), summary)
	}
	return q, args, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
