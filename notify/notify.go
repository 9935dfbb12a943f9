// Package notify sends notices to people (experts drawn for a committee, for
// now) through a log adapter, the default, or an HTTP webhook in front of an
// SMS or voice-call gateway.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Message is one notice to one person.
type Message struct {
	Kind     string    `json:"kind"`      // e.g. "expert.invitation"
	To       string    `json:"to"`        // mobile number
	Name     string    `json:"name"`      // addressee
	Text     string    `json:"text"`      // the notice in Chinese, with the link
	Link     string    `json:"link"`      // one-time reply link, when there is one
	Deadline time.Time `json:"deadline"`  // reply deadline, zero when none
	Ref      string    `json:"reference"` // our reference, e.g. "draw:12/member:34"
}

// Log writes notices to a logger: the default adapter, for development and
// for centres that send notices by hand. The link is logged, so keep such
// logs as confidential as the notices themselves.
type Log struct {
	Logger *slog.Logger
}

// Notify logs m.
func (l Log) Notify(ctx context.Context, m Message) error {
	l.Logger.InfoContext(ctx, "notice", "kind", m.Kind, "to", m.To, "ref", m.Ref, "deadline", m.Deadline, "link", m.Link)
	return nil
}

// Webhook posts each notice as JSON to a gateway. When Secret is set the
// body is signed: X-Signature carries hex HMAC-SHA256(secret, body).
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client // a client with a timeout; nil uses 10 s
}

// Notify posts m and treats any 2xx answer as delivered.
func (w Webhook) Notify(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("notify webhook: marshal: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if w.Secret != "" {
		mac := hmac.New(sha256.New, []byte(w.Secret))
		mac.Write(body)
		req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("notify webhook %s: %w", m.Ref, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify webhook %s: gateway answered %d", m.Ref, resp.StatusCode)
	}
	return nil
}
