// Package money holds amounts of renminbi as whole fen (分, 0.01 yuan) in an
// int64, parses them from text and prints them, in figures with thousands
// separators or in 人民币大写 for documents, and applies percentage rates
// (下浮率, deposit ratios) with integer arithmetic and a stated rounding.
// No floating-point number is used anywhere.
package money

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Fen is an amount of money in fen. 1 yuan = 100 fen.
type Fen int64

// FromYuan converts whole yuan to Fen. The caller keeps yuan within
// ±92,233,720,368,547,758; beyond that the result overflows.
func FromYuan(yuan int64) Fen { return Fen(yuan * 100) }

// Error codes. They are stable and may be stored or matched by callers.
const (
	CodeEmpty          = "money_empty"             // nothing entered
	CodeInvalid        = "money_invalid"           // not an amount
	CodeNegative       = "money_negative"          // a sign where none is allowed
	CodeTooManyDecimal = "money_too_many_decimals" // more than two decimals
	CodeOverflow       = "money_overflow"          // does not fit in int64 fen
	CodeRateEmpty      = "rate_empty"
	CodeRateInvalid    = "rate_invalid"
	CodeRateDecimals   = "rate_too_many_decimals" // more than four decimals of a percent
	CodeRateRange      = "rate_out_of_range"      // not in [0%, 100%)
)

var messages = map[string]string{
	CodeEmpty:          "请填写金额",
	CodeInvalid:        "金额格式不正确，应为如 1,999,999.99 的数字",
	CodeNegative:       "金额不能为负数",
	CodeTooManyDecimal: "金额最多保留两位小数（到分）",
	CodeOverflow:       "金额过大",
	CodeRateEmpty:      "请填写比率",
	CodeRateInvalid:    "比率格式不正确，应为如 5.25 或 5.25% 的百分数",
	CodeRateDecimals:   "比率最多保留四位小数（如 5.1234%）",
	CodeRateRange:      "比率应不小于0%且小于100%",
}

// Error is a parse failure with a stable code and a Chinese message.
type Error struct {
	code  string
	Input string // the text that was parsed
}

// Code returns the stable error code, one of the Code* constants.
func (e *Error) Code() string { return e.code }

// Message returns the Chinese message shown to users.
func (e *Error) Message() string { return messages[e.code] }

func (e *Error) Error() string { return e.Message() }

func fail(code, input string) error { return &Error{code: code, Input: input} }

// Parse reads a non-negative amount in yuan: digits with an optional
// fraction of one or two digits ("100", "0.5", "1999999.99"), optionally
// grouped by "," in threes ("1,999,999.99"), optionally preceded by "¥" or
// "￥". Surrounding white space is ignored. A sign is refused with
// CodeNegative; use ParseSigned to allow "-".
func Parse(s string) (Fen, error) {
	return parse(s, false)
}

// ParseSigned is Parse that also accepts a leading "-" (before or after the
// currency sign) or "+".
func ParseSigned(s string) (Fen, error) {
	return parse(s, true)
}

func parse(input string, signed bool) (Fen, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return 0, fail(CodeEmpty, input)
	}
	neg, hasSign := false, false
	sign := func() {
		if hasSign || s == "" {
			return
		}
		switch s[0] {
		case '-':
			neg, hasSign = true, true
			s = s[1:]
		case '+':
			hasSign = true
			s = s[1:]
		}
	}
	sign()
	for _, sym := range []string{"¥", "￥"} {
		if rest, ok := strings.CutPrefix(s, sym); ok {
			s = rest
			break
		}
	}
	sign()
	if hasSign && !signed {
		if neg {
			return 0, fail(CodeNegative, input)
		}
		return 0, fail(CodeInvalid, input)
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint && frac == "" {
		return 0, fail(CodeInvalid, input)
	}
	if intPart == "" || !allDigits(frac) {
		return 0, fail(CodeInvalid, input)
	}
	digits, ok := ungroup(intPart)
	if !ok {
		return 0, fail(CodeInvalid, input)
	}
	if len(frac) > 2 {
		return 0, fail(CodeTooManyDecimal, input)
	}
	// Work with the magnitude in uint64 so that -9223372036854775808 fen
	// parses.
	var mag uint64
	for i := 0; i < len(digits); i++ {
		if mag > (math.MaxUint64-9)/10 {
			return 0, fail(CodeOverflow, input)
		}
		mag = mag*10 + uint64(digits[i]-'0')
	}
	if mag > math.MaxUint64/100 {
		return 0, fail(CodeOverflow, input)
	}
	mag *= 100
	switch len(frac) {
	case 1:
		mag += uint64(frac[0]-'0') * 10
	case 2:
		mag += uint64(frac[0]-'0')*10 + uint64(frac[1]-'0')
	}
	if neg {
		if mag > 1<<63 {
			return 0, fail(CodeOverflow, input)
		}
		return Fen(-mag), nil // 1<<63 wraps to math.MinInt64
	}
	if mag > math.MaxInt64 {
		return 0, fail(CodeOverflow, input)
	}
	return Fen(mag), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ungroup checks the integer part and removes its separators: either plain
// digits, or groups separated by "," where the first has 1–3 digits and the
// others exactly 3.
func ungroup(s string) (string, bool) {
	if !strings.Contains(s, ",") {
		return s, s != "" && allDigits(s)
	}
	groups := strings.Split(s, ",")
	for i, g := range groups {
		if !allDigits(g) || g == "" || len(g) > 3 || (i > 0 && len(g) != 3) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

// magnitude returns |f| without overflowing for math.MinInt64.
func (f Fen) magnitude() uint64 {
	if f < 0 {
		return uint64(-(f + 1)) + 1
	}
	return uint64(f)
}

// String writes the amount in yuan with two decimals and "," between
// thousands: "1,999,999.99", "0.50", "-3.00".
func (f Fen) String() string {
	m := f.magnitude()
	s := group(m/100) + "." + fmt.Sprintf("%02d", m%100)
	if f < 0 {
		return "-" + s
	}
	return s
}

// Yuan is String with the yuan sign: "¥1,999,999.99", "-¥3.00".
func (f Fen) Yuan() string {
	if f < 0 {
		return "-¥" + f.String()[1:]
	}
	return "¥" + f.String()
}

func group(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
