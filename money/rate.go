package money

import (
	"math/bits"
	"strconv"
	"strings"
)

// Rate is a proportion in millionths: 1% is 10000, 5.25% is 52500. It holds
// a percentage with up to four decimals exactly.
type Rate int64

// Percent is 1% as a Rate.
const Percent Rate = 10_000

// one is 100% as a Rate.
const one = 100 * Percent

// ParseRate reads a percentage: "5", "5.5", "5.25%", "0.1234" — the number
// is always in percent, with or without the "%" (or "％") sign, with at most
// four decimals. White space around it is ignored. The rate must be at
// least 0% and less than 100%.
func ParseRate(input string) (Rate, error) {
	s := strings.TrimSpace(input)
	s, _ = strings.CutSuffix(s, "%")
	s, _ = strings.CutSuffix(s, "％")
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fail(CodeRateEmpty, input)
	}
	if s[0] == '-' {
		return 0, fail(CodeRateRange, input)
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) || (hasPoint && frac == "") {
		return 0, fail(CodeRateInvalid, input)
	}
	if len(frac) > 4 {
		return 0, fail(CodeRateDecimals, input)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 3 {
		return 0, fail(CodeRateRange, input)
	}
	var r Rate
	for i := 0; i < len(intPart); i++ {
		r = r*10 + Rate(intPart[i]-'0')
	}
	r *= Percent
	scale := Rate(1000)
	for i := 0; i < len(frac); i++ {
		r += Rate(frac[i]-'0') * scale
		scale /= 10
	}
	if r >= one {
		return 0, fail(CodeRateRange, input)
	}
	return r, nil
}

// String writes the rate as a percentage without trailing zeros: "5.25%",
// "5%", "0.0001%".
func (r Rate) String() string {
	sign := ""
	m := int64(r)
	if m < 0 {
		sign, m = "-", -m
	}
	s := strconv.FormatInt(m/int64(Percent), 10)
	if frac := m % int64(Percent); frac > 0 {
		f := strconv.FormatInt(frac+int64(Percent), 10)[1:] // four digits
		s += "." + strings.TrimRight(f, "0")
	}
	return sign + s + "%"
}

// Rounding says how a product is brought to whole fen.
type Rounding int

const (
	// RoundHalfUp is 四舍五入 to the fen: a remainder of half a fen or more
	// rounds away from zero (0.5 fen → 1 fen, -0.5 fen → -1 fen).
	RoundHalfUp Rounding = iota
	// Truncate drops fractions of a fen, toward zero.
	Truncate
)

// String names the rounding in Chinese.
func (m Rounding) String() string {
	switch m {
	case RoundHalfUp:
		return "四舍五入"
	case Truncate:
		return "舍去"
	}
	return "Rounding(" + strconv.Itoa(int(m)) + ")"
}

// MulRate returns f × r, computed exactly in 128-bit integers and brought
// to whole fen by mode (see RoundHalfUp and Truncate). r is expected in
// [0, 100%); any rate in [-100%, 100%] is accepted, and the result is never
// larger in size than f. MulRate panics for an unknown Rounding or a rate
// outside [-100%, 100%], which ParseRate never returns.
func (f Fen) MulRate(r Rate, mode Rounding) Fen {
	return mulDiv(f, r, mode)
}

// DiscountBy returns f × (1 − r): the price after a down-float (下浮) of r,
// e.g. a fixed price from a control price. The product f × (1 − r) is
// computed exactly and rounded once by mode, so the result may differ by a
// fen from f − f.MulRate(r, mode): 1 fen less 50% is 1 fen (0.5 fen rounded
// half up), while 1 − 1×50% rounded is 0. Panics as MulRate does.
func (f Fen) DiscountBy(r Rate, mode Rounding) Fen {
	if r < -one || r > one {
		panic("money: rate out of range: " + r.String())
	}
	return mulDiv(f, one-r, mode)
}

// mulDiv returns f × r / 1e6 rounded by mode, for |r| <= 1e6.
func mulDiv(f Fen, r Rate, mode Rounding) Fen {
	if r < -one || r > one {
		panic("money: rate out of range: " + r.String())
	}
	if mode != RoundHalfUp && mode != Truncate {
		panic("money: unknown rounding " + mode.String())
	}
	neg := (f < 0) != (r < 0)
	rm := uint64(r)
	if r < 0 {
		rm = uint64(-r)
	}
	hi, lo := bits.Mul64(f.magnitude(), rm)
	q, rem := bits.Div64(hi, lo, uint64(one)) // hi < one because rm <= one
	if mode == RoundHalfUp && rem*2 >= uint64(one) {
		q++
	}
	// q <= |f| <= 1<<63; only math.MinInt64 × -100% wraps.
	if neg {
		return Fen(-q)
	}
	return Fen(q)
}
