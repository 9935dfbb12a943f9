package trading

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Hand-written JSON for what every sign-up encodes twice (its sealed
// record and the answer), byte for byte what encoding/json writes for the
// same value: jsonfast_test.go fills every field and compares. encoding/json
// walks the value by reflection, which is a tenth of a sign-up's CPU.

// appendJSONString quotes s as encoding/json does (HTML characters
// escaped); strings with anything it would escape or replace go through
// encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			plain = false
			break
		} else if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if plain && !ascii {
		plain = utf8.ValidString(s) && !strings.ContainsRune(s, '\u2028') && !strings.ContainsRune(s, '\u2029')
	}
	if !plain {
		j, _ := json.Marshal(s)
		return append(b, j...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime writes t as time.Time's MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	// What MarshalJSON refuses (a year outside 0–9999, an offset of a
	// day or more) it also reports, so it answers for those.
	if _, off := t.Zone(); t.Year() < 0 || t.Year() > 9999 || off <= -24*3600 || off >= 24*3600 {
		j, err := t.MarshalJSON()
		if err != nil {
			return nil, err
		}
		return append(b, j...), nil
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func appendKey(b []byte, first bool, key string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendJSONStrings(b []byte, v []string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// AppendJSON appends the sealed record as json.Marshal writes it.
func (v signupSealed) AppendJSON(b []byte) ([]byte, error) {
	b = appendKey(append(b, '{'), true, "org_id")
	b = strconv.AppendInt(b, v.OrgID, 10)
	b = strconv.AppendInt(appendKey(b, false, "user_id"), v.UserID, 10)
	b = appendJSONString(appendKey(b, false, "username"), v.Username)
	b = appendJSONString(appendKey(b, false, "ip"), v.IP)
	b = appendJSONStrings(appendKey(b, false, "declared"), v.Declared)
	b, err := appendJSONTime(appendKey(b, false, "at"), v.At)
	if err != nil {
		return nil, err
	}
	b = appendJSONString(appendKey(b, false, "audit_ref"), v.AuditRef)
	return append(b, '}'), nil
}

// AppendJSON appends the receipt as json.Marshal writes it.
func (r Receipt) AppendJSON(b []byte) ([]byte, error) {
	b = appendKey(append(b, '{'), true, "id")
	b = strconv.AppendInt(b, r.FileID, 10)
	b = strconv.AppendInt(appendKey(b, false, "lot_id"), r.LotID, 10)
	b = appendJSONString(appendKey(b, false, "name"), r.Name)
	b = appendJSONString(appendKey(b, false, "sha256"), r.SHA256)
	b = strconv.AppendInt(appendKey(b, false, "size"), r.Size, 10)
	b, err := appendJSONTime(appendKey(b, false, "received_at"), r.ReceivedAt)
	if err != nil {
		return nil, err
	}
	b = appendJSONString(appendKey(b, false, "status"), r.Status)
	return append(b, '}'), nil
}

// AppendJSON appends the sign-up as json.Marshal writes it.
func (m MySignup) AppendJSON(b []byte) ([]byte, error) {
	b = appendKey(append(b, '{'), true, "id")
	b = strconv.AppendInt(b, m.ID, 10)
	b = strconv.AppendInt(appendKey(b, false, "lot_id"), m.LotID, 10)
	b = strconv.AppendInt(appendKey(b, false, "project_id"), m.ProjectID, 10)
	b = appendJSONString(appendKey(b, false, "code"), m.Code)
	b = appendJSONString(appendKey(b, false, "title"), m.Title)
	b = appendJSONString(appendKey(b, false, "lot_name"), m.LotName)
	b = appendJSONString(appendKey(b, false, "lot_status"), m.LotStatus)
	b, err := appendJSONTime(appendKey(b, false, "deadline"), m.Deadline)
	if err != nil {
		return nil, err
	}
	b = strconv.AppendInt(appendKey(b, false, "deposit_due"), int64(m.DepositDue), 10)
	if m.DepositMethod != "" {
		b = appendJSONString(appendKey(b, false, "deposit_method"), m.DepositMethod)
	}
	if m.DepositRef != "" {
		b = appendJSONString(appendKey(b, false, "deposit_reference"), m.DepositRef)
	}
	if m.DepositCheck != "" {
		b = appendJSONString(appendKey(b, false, "deposit_check"), m.DepositCheck)
	}
	if m.RefundDue != "" {
		b = appendJSONString(appendKey(b, false, "refund_due"), m.RefundDue)
	}
	if !m.RefundedAt.IsZero() {
		if b, err = appendJSONTime(appendKey(b, false, "refunded_at"), m.RefundedAt); err != nil {
			return nil, err
		}
	}
	if b, err = appendJSONTime(appendKey(b, false, "signed_up_at"), m.SignedUpAt); err != nil {
		return nil, err
	}
	b = appendKey(b, false, "receipts")
	if m.Receipts == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range m.Receipts {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = r.AppendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// MarshalJSON lets every encoder of a sign-up use AppendJSON.
func (m MySignup) MarshalJSON() ([]byte, error) { return m.AppendJSON(make([]byte, 0, 512)) }
