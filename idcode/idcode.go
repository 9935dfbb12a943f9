// Package idcode validates and masks the identifiers the centre handles:
// the 统一社会信用代码 of organisations (GB 32100-2015), the 居民身份证号码
// of people (GB 11643-1999) and mainland mobile numbers.
package idcode

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Error codes. They are stable and may be stored or matched by callers.
const (
	CodeUSCCLength    = "uscc_length"    // not 18 characters
	CodeUSCCCharset   = "uscc_charset"   // a character outside the code alphabet
	CodeUSCCChecksum  = "uscc_checksum"  // the 18th character does not match
	CodeUSCCAuthority = "uscc_authority" // the registration authority or category code is not one of GB 32100
	CodeIDLength      = "id_length"      // not 18 characters
	CodeIDCharset     = "id_charset"     // not 17 digits and a digit or X
	CodeIDBirthDate   = "id_birthdate"   // positions 7–14 are not a date
	CodeIDChecksum    = "id_checksum"    // the 18th character does not match
	CodePhoneInvalid  = "phone_invalid"  // not an 11-digit mainland mobile number
)

var messages = map[string]string{
	CodeUSCCLength:    "统一社会信用代码应为18位",
	CodeUSCCCharset:   "统一社会信用代码含有不允许的字符（只能是数字和除I、O、Z、S、V以外的大写字母）",
	CodeUSCCChecksum:  "统一社会信用代码校验位不正确，请核对",
	CodeUSCCAuthority: "统一社会信用代码的登记管理部门码或机构类别码不正确，请核对前两位",
	CodeIDLength:      "身份证号码应为18位",
	CodeIDCharset:     "身份证号码应为17位数字加1位数字或X",
	CodeIDBirthDate:   "身份证号码中的出生日期不正确",
	CodeIDChecksum:    "身份证号码校验位不正确，请核对",
	CodePhoneInvalid:  "手机号码应为以13至19开头的11位数字",
}

// Error is a validation failure with a stable code and a Chinese message.
type Error struct {
	code string
}

// Code returns the stable error code, one of the Code* constants.
func (e *Error) Code() string { return e.code }

// Message returns the Chinese message shown to users.
func (e *Error) Message() string { return messages[e.code] }

func (e *Error) Error() string { return e.Message() }

var (
	errUSCCLength    = &Error{CodeUSCCLength}
	errUSCCCharset   = &Error{CodeUSCCCharset}
	errUSCCChecksum  = &Error{CodeUSCCChecksum}
	errUSCCAuthority = &Error{CodeUSCCAuthority}
	errIDLength      = &Error{CodeIDLength}
	errIDCharset     = &Error{CodeIDCharset}
	errIDBirthDate   = &Error{CodeIDBirthDate}
	errIDChecksum    = &Error{CodeIDChecksum}
	errPhone         = &Error{CodePhoneInvalid}
)

// usccAlphabet lists the 31 characters of a 统一社会信用代码 in the order of
// their values 0..30 (no I, O, S, V or Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

func usccValue(c byte) int {
	return strings.IndexByte(usccAlphabet, c)
}

// HalfWidth folds the full-width forms of ASCII (U+FF01–U+FF5E: digits,
// letters and punctuation, as a Chinese input method in full-width mode
// types them, e.g. "１１０１０５…Ｘ") to ASCII, and the ideographic space
// U+3000 to a space. Other characters are left as they are. It does not
// validate, and neither the Normalize functions nor the validators call it:
// a caller that takes identifiers as people type them applies it first,
// explicitly.
func HalfWidth(s string) string {
	if !strings.ContainsFunc(s, isFullWidth) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			return r - 0xFEE0
		}
		return r
	}, s)
}

func isFullWidth(r rune) bool { return r == '\u3000' || (r >= '\uFF01' && r <= '\uFF5E') }

// NormalizeUSCC trims white space and upper-cases ASCII letters, the forms
// people commonly type. It does not validate.
func NormalizeUSCC(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// USCCCheckChar returns the check character (the 18th) for the first 17
// characters of a 统一社会信用代码: with values 0..30 from the alphabet
// "0123456789ABCDEFGHJKLMNPQRTUWXY" and weights 3^i mod 31, the check value
// is 31 − (Σ value×weight mod 31), where 31 becomes 0.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, errUSCCLength
	}
	sum := 0
	for i := range 17 {
		v := usccValue(first17[i])
		if v < 0 {
			return 0, errUSCCCharset
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}

// ValidateUSCC checks a 统一社会信用代码 (GB 32100-2015): 18 characters from
// the code alphabet (upper case; see NormalizeUSCC) whose last one is the
// check character, and whose first two are a registration authority and an
// organisation category (the region code is not checked).
func ValidateUSCC(s string) error {
	if len(s) != 18 {
		if utf8.RuneCountInString(s) == 18 {
			return errUSCCCharset
		}
		return errUSCCLength
	}
	want, err := USCCCheckChar(s[:17])
	if err != nil {
		return err
	}
	if usccValue(s[17]) < 0 {
		return errUSCCCharset
	}
	if s[17] != want {
		return errUSCCChecksum
	}
	// The registration authority (1–9, A, N, Y under GB 32100-2015) and
	// the organisation category (a digit 1–9): "000000000000000000" has a
	// valid check character and is no code.
	if !strings.ContainsRune("123456789ANY", rune(s[0])) || s[1] < '1' || s[1] > '9' {
		return errUSCCAuthority
	}
	return nil
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// NormalizeResidentID trims white space and upper-cases a final x. It does
// not validate.
func NormalizeResidentID(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "x") {
		s = s[:len(s)-1] + "X"
	}
	return s
}

// ResidentIDCheckChar returns the check character for the first 17 digits
// of a 居民身份证号码 (ISO 7064 MOD 11-2).
func ResidentIDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, errIDLength
	}
	sum := 0
	for i := range 17 {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, errIDCharset
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// ValidateResidentID checks an 18-digit 居民身份证号码 (GB 11643-1999): 17
// digits and a check character (a digit or X; x is accepted too), a birth
// date in positions 7–14 that is a real calendar date from 1800 on, and the
// ISO 7064 MOD 11-2 check. Whether the birth date lies in the future is left
// to the caller (see BirthDate); the region code is not checked. The old
// 15-digit numbers are refused.
func ValidateResidentID(s string) error {
	if len(s) != 18 {
		if utf8.RuneCountInString(s) == 18 {
			return errIDCharset
		}
		return errIDLength
	}
	want, err := ResidentIDCheckChar(s[:17])
	if err != nil {
		return err
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return errIDCharset
	}
	if _, ok := birthDate(s); !ok {
		return errIDBirthDate
	}
	if last != want {
		return errIDChecksum
	}
	return nil
}

// BirthDate returns the birth date of a valid 居民身份证号码 as midnight UTC
// of that day. It returns ValidateResidentID's error for an invalid number.
func BirthDate(s string) (time.Time, error) {
	if err := ValidateResidentID(s); err != nil {
		return time.Time{}, err
	}
	t, _ := birthDate(s)
	return t, nil
}

// birthDate reads YYYYMMDD from positions 7–14 of a string of at least 14
// bytes.
func birthDate(s string) (time.Time, bool) {
	n := 0
	for i := 6; i < 14; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n = n*10 + int(c-'0')
	}
	y, m, d := n/10000, time.Month(n/100%100), n%100
	if y < 1800 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != m {
		return time.Time{}, false
	}
	return t, true
}

// ValidateMobile checks a mainland mobile number: 11 digits starting with
// 13 to 19. Use NormalizeMobile first for numbers typed with spaces, dashes
// or +86.
func ValidateMobile(s string) error {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return errPhone
	}
	for i := 2; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return errPhone
		}
	}
	return nil
}

// NormalizeMobile removes spaces and dashes and a leading +86 or 0086 from
// a mobile number as typed. It does not validate.
func NormalizeMobile(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t', '\u3000':
			return -1
		}
		return r
	}, s)
	for _, p := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest
		}
	}
	return s
}

// MaskResidentID hides the middle of an identity number, keeping the first
// 6 and the last 4 characters: "110105********002X". A string of 10
// characters or fewer is masked entirely. Characters are counted as runes.
func MaskResidentID(s string) string {
	return mask(s, 6, 4)
}

// MaskPhone hides the middle of a phone number, keeping the first 3 and the
// last 4 characters: "138****5678". A string of 7 characters or fewer is
// masked entirely.
func MaskPhone(s string) string {
	return mask(s, 3, 4)
}

func mask(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
