// Package problem defines the error values that domain packages return to
// say what went wrong in terms a user can act on: a kind (which the web layer
// maps to an HTTP status), a stable machine code, a Chinese message and, for
// validation failures, the offending fields.
//
// Internal failures (database down, bugs) are ordinary wrapped errors and never
// a *Error: the web layer answers them with a generic 500 and logs the detail.
package problem

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies a problem. The web layer maps each kind to one HTTP status.
type Kind int

const (
	Invalid         Kind = iota + 1 // input fails validation (400)
	Unauthenticated                 // no or bad credentials (401)
	Forbidden                       // authenticated but not allowed (403)
	NotFound                        // object does not exist or is not visible (404)
	Conflict                        // state does not allow the change (409)
	TooLarge                        // body or file over the limit (413)
	TooMany                         // throttled (429)
	Gone                            // a deadline has passed (409 with its own code)
)

// Field names one offending input field.
type Field struct {
	Name    string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a user-facing failure.
type Error struct {
	Kind    Kind
	Code    string  // stable, e.g. "uscc_checksum"
	Message string  // Chinese, shown to users
	Fields  []Field // offending fields for Invalid
	// RetryAfterSeconds is set for TooMany.
	RetryAfterSeconds int
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Code, e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Name, f.Code)
	}
	return b.String()
}

// New returns a problem of the given kind.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Invalidf is a validation failure of a single field.
func InvalidField(field, code, message string) *Error {
	return &Error{Kind: Invalid, Code: code, Message: message, Fields: []Field{{Name: field, Code: code, Message: message}}}
}

// As reports whether err holds a *Error and returns it.
func As(err error) (*Error, bool) {
	var p *Error
	if errors.As(err, &p) {
		return p, true
	}
	return nil, false
}

// Is reports whether err is a problem with the given code.
func Is(err error, code string) bool {
	p, ok := As(err)
	return ok && p.Code == code
}

// Fields collects field errors and turns them into one Invalid problem.
type Fields struct {
	list []Field
}

// Add records a field error.
func (f *Fields) Add(field, code, message string) {
	f.list = append(f.list, Field{Name: field, Code: code, Message: message})
}

// AddErr records err against field: a *Error's code and message are kept,
// any other error becomes a generic invalid value.
func (f *Fields) AddErr(field string, err error) {
	if err == nil {
		return
	}
	if p, ok := As(err); ok {
		f.Add(field, p.Code, p.Message)
		return
	}
	type coded interface {
		Code() string
		Message() string
	}
	var c coded
	if errors.As(err, &c) {
		f.Add(field, c.Code(), c.Message())
		return
	}
	f.Add(field, "invalid", "格式不正确")
}

// Empty reports whether no errors were recorded.
func (f *Fields) Empty() bool { return len(f.list) == 0 }

// Err returns nil when empty, otherwise one Invalid problem naming every field.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	msg := f.list[0].Message
	if len(f.list) > 1 {
		msg = fmt.Sprintf("有%d处填写有误，请逐项修改", len(f.list))
	}
	return &Error{Kind: Invalid, Code: "validation_failed", Message: msg, Fields: append([]Field(nil), f.list...)}
}
