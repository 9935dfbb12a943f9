// Package lottery implements the publicly verifiable random selection of
// RFC 3797 ("Publicly Verifiable Nominations Committee (NomCom) Random
// Selection"), used for expert draws and fixed-price selection draws.
//
// A draw is fixed in two steps. Before the draw the ordered pool (members
// numbered 1..N) and the parameters are published; the random sources are
// values nobody can know at that moment (a committed server secret revealed
// at the draw, numbers called out by witnesses). The sources are turned into
// a key string (Key, KeyFromStrings) and the key alone decides the order in
// which members are picked (Select, Rounds). Anyone holding the pool and the
// sources recomputes the same result.
//
// Selection is prefix-stable: the first k members of a draw of count n > k
// are the draw of count k, so backups (候补) never change the primaries.
package lottery

import (
	"cmp"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// MaxRounds is the largest count a draw may ask for: the round number is
// hashed as two bytes (RFC 3797 §4), so rounds are numbered 0..65535.
const MaxRounds = 1 << 16

// Error codes. They are stable and may be stored or matched by callers.
const (
	CodeSourceEmpty     = "lottery_source_empty"      // a source has no value
	CodeSourceNotNumber = "lottery_source_not_number" // several values, not all numbers
	CodeSourceCharset   = "lottery_source_charset"    // a value has a character that is not a letter or digit
	CodeNoSources       = "lottery_no_sources"        // no source at all
	CodeKeyEmpty        = "lottery_key_empty"         // Select with an empty key
	CodePoolSize        = "lottery_pool_size"         // pool size < 1
	CodeCount           = "lottery_count"             // count < 0 or count > pool size
	CodeTooManyRounds   = "lottery_too_many_rounds"   // count > MaxRounds
)

// SourceError reports a random source that cannot be turned into key text.
type SourceError struct {
	Index int // 0-based position of the source
	code  string
}

// Code returns the stable error code, one of the CodeSource* constants.
func (e *SourceError) Code() string { return e.code }

// Message returns the Chinese message shown to users; sources are counted
// from 1 there.
func (e *SourceError) Message() string {
	n := e.Index + 1
	switch e.code {
	case CodeSourceEmpty:
		return fmt.Sprintf("第%d个随机数来源为空", n)
	case CodeSourceNotNumber:
		return fmt.Sprintf("第%d个随机数来源不是数字", n)
	default:
		return fmt.Sprintf("第%d个随机数来源含有字母和数字以外的字符", n)
	}
}

func (e *SourceError) Error() string { return e.Message() }

// Error reports invalid draw parameters.
type Error struct {
	code string
	msg  string
}

// Code returns the stable error code.
func (e *Error) Code() string { return e.code }

// Message returns the Chinese message shown to users.
func (e *Error) Message() string { return e.msg }

func (e *Error) Error() string { return e.msg }

// Key builds the RFC 3797 key string from numeric sources: within each
// source the numbers are sorted ascending, each number is written in decimal
// followed by ".", and each source is closed by "/". The sources keep the
// order given. The RFC 3797 §6 example sources {9319}, {2 5 8 10 12} and
// {9 18 26 34 41 45} give "9319./2.5.8.10.12./9.18.26.34.41.45./".
// The input slices are not modified. An empty source contributes only "/".
func Key(sources [][]uint64) string {
	var b strings.Builder
	for _, src := range sources {
		nums := slices.Clone(src)
		slices.Sort(nums)
		for _, n := range nums {
			b.WriteString(strconv.FormatUint(n, 10))
			b.WriteByte('.')
		}
		b.WriteByte('/')
	}
	return b.String()
}

// KeyFromStrings builds the key from sources as entered by people. Each
// source is one of:
//
//   - one or more non-negative decimal integers separated by white space,
//     "," "，" or "、" (e.g. witnesses' numbers "26 9 45"). Numbers may be
//     of any length; leading zeros are dropped, and they are sorted and
//     written as Key writes them ("9.26.45./").
//   - a single token of ASCII letters and digits that is not all digits
//     (e.g. a revealed hex secret). Following RFC 3797 §4 for text, letters
//     are converted to upper case, and the text is closed by "/" with no
//     "." ("3f9a" gives "3F9A/").
//
// A token of digits only is always a number, so a hex secret that happens
// to have no letters loses its leading zeros; both sides of a re-check apply
// the same rule. Empty sources, several tokens not all numbers, and
// characters other than ASCII letters and digits are rejected with a
// *SourceError; no sources at all is an *Error.
func KeyFromStrings(sources []string) (string, error) {
	if len(sources) == 0 {
		return "", &Error{code: CodeNoSources, msg: "没有随机数来源"}
	}
	var b strings.Builder
	for i, src := range sources {
		tokens := strings.FieldsFunc(src, isSeparator)
		if len(tokens) == 0 {
			return "", &SourceError{Index: i, code: CodeSourceEmpty}
		}
		allDigits := true
		for _, t := range tokens {
			if !isDigits(t) {
				allDigits = false
				break
			}
		}
		switch {
		case allDigits:
			nums := make([]string, len(tokens))
			for j, t := range tokens {
				nums[j] = canonicalNumber(t)
			}
			slices.SortFunc(nums, compareDecimal)
			for _, n := range nums {
				b.WriteString(n)
				b.WriteByte('.')
			}
		case len(tokens) > 1:
			return "", &SourceError{Index: i, code: CodeSourceNotNumber}
		case !isAlnum(tokens[0]):
			return "", &SourceError{Index: i, code: CodeSourceCharset}
		default:
			b.WriteString(strings.ToUpper(tokens[0]))
		}
		b.WriteByte('/')
	}
	return b.String(), nil
}

func isSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', ',', '，', '、', '\u3000':
		return true
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// canonicalNumber drops leading zeros from a string of digits.
func canonicalNumber(s string) string {
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

// compareDecimal orders canonical decimal strings by numeric value.
func compareDecimal(a, b string) int {
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// Round is one step of a draw, as a re-check page shows it.
type Round struct {
	Index     int    // round number, from 0
	MD5Hex    string // MD5 of the round input, upper-case hex
	Remaining int    // members not yet selected before this round
	Remainder int    // digest mod Remaining: 0-based position among them
	Selected  int    // 1-based member number picked
}

// Select returns the count members picked from a pool numbered 1..poolSize,
// in selection order (primaries first, then backups).
//
// Round i (from 0) hashes with MD5 the two-byte big-endian i, the key and
// the same two bytes again; the digest, read as an unsigned 128-bit
// big-endian integer, is taken modulo the number of members not yet
// selected, and the member at that 0-based position among them, in
// ascending order, is picked (RFC 3797 §4).
func Select(key string, poolSize, count int) ([]int, error) {
	rounds, err := Rounds(key, poolSize, count)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(rounds))
	for i, r := range rounds {
		out[i] = r.Selected
	}
	return out, nil
}

// Rounds is Select with every step shown. Time is O(count²) for counts up
// to a few hundred and O(poolSize + count·log poolSize) beyond.
func Rounds(key string, poolSize, count int) ([]Round, error) {
	switch {
	case key == "":
		return nil, &Error{code: CodeKeyEmpty, msg: "随机数密钥为空"}
	case poolSize < 1:
		return nil, &Error{code: CodePoolSize, msg: "候选范围至少要有1个成员"}
	case count < 0:
		return nil, &Error{code: CodeCount, msg: "抽取数量不能为负数"}
	case count > poolSize:
		return nil, &Error{code: CodeCount, msg: fmt.Sprintf("抽取数量%d超过候选人数%d", count, poolSize)}
	case count > MaxRounds:
		return nil, &Error{code: CodeTooManyRounds, msg: fmt.Sprintf("一次最多抽取%d个", MaxRounds)}
	}
	var pool picker
	if count <= smallCount {
		pool = &sortedPicker{}
	} else {
		pool = newFenwickPicker(poolSize)
	}
	buf := make([]byte, 0, len(key)+4)
	out := make([]Round, count)
	for i := range count {
		buf = binary.BigEndian.AppendUint16(buf[:0], uint16(i))
		buf = append(buf, key...)
		buf = binary.BigEndian.AppendUint16(buf, uint16(i))
		sum := md5.Sum(buf)
		remaining := poolSize - i
		hi := binary.BigEndian.Uint64(sum[:8])
		lo := binary.BigEndian.Uint64(sum[8:])
		rem := int(bits.Rem64(hi, lo, uint64(remaining)))
		out[i] = Round{
			Index:     i,
			MD5Hex:    strings.ToUpper(hex.EncodeToString(sum[:])),
			Remaining: remaining,
			Remainder: rem,
			Selected:  pool.take(rem),
		}
	}
	return out, nil
}

// smallCount is the count up to which sortedPicker (no allocation in the
// pool size) is used.
const smallCount = 256

// picker removes and returns the member at a 0-based position among those
// remaining, members numbered from 1 and kept in ascending order.
type picker interface {
	take(pos int) int
}

// sortedPicker keeps the members taken so far in ascending order; the
// member at position pos is found by skipping over them.
type sortedPicker struct {
	taken []int
}

func (p *sortedPicker) take(pos int) int {
	m := pos + 1
	i := 0
	for ; i < len(p.taken) && p.taken[i] <= m; i++ {
		m++
	}
	p.taken = slices.Insert(p.taken, i, m)
	return m
}

// fenwickPicker is a Fenwick tree counting the members still present.
type fenwickPicker struct {
	tree []int32 // 1-based
	step int     // highest power of two <= len(tree)-1
}

func newFenwickPicker(n int) *fenwickPicker {
	t := make([]int32, n+1)
	for i := 1; i <= n; i++ {
		t[i] = int32(i & -i) // every member present once
	}
	step := 1
	for step*2 <= n {
		step *= 2
	}
	return &fenwickPicker{tree: t, step: step}
}

func (p *fenwickPicker) take(pos int) int {
	// Find the smallest m whose prefix count is pos+1.
	k := int32(pos + 1)
	m := 0
	for s := p.step; s > 0; s /= 2 {
		if next := m + s; next < len(p.tree) && p.tree[next] < k {
			m = next
			k -= p.tree[next]
		}
	}
	m++
	for i := m; i < len(p.tree); i += i & -i {
		p.tree[i]--
	}
	return m
}
