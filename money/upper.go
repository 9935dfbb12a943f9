package money

import "strings"

var upperDigits = [10]string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}

// Upper writes the amount in 人民币大写 following the People's Bank of China
// rules for filling in bills and settlement vouchers (正确填写票据和结算凭证的
// 基本规定):
//
//   - digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, sections 万 and 亿; ten is
//     written 壹拾;
//   - an amount that ends at 元 ends in 整 ("壹佰元整"); after 角 or 分 no 整
//     is written ("伍角", "壹元伍角伍分");
//   - one 零 stands for a run of zeros between non-zero digits, including
//     across 万 and 亿 ("壹仟零伍元", "壹亿零壹佰万元整");
//   - where the rules leave a 零 optional — a zero 万位 or 元位 followed by a
//     non-zero 千位 or 角 — none is written ("壹拾万柒仟元伍角叁分",
//     "壹仟陆佰捌拾元叁角贰分");
//   - a zero 角 before a non-zero 分 is written 零 ("壹仟零伍元零伍分");
//     without yuan the amount starts at its first non-zero unit ("伍角",
//     "伍分"), and zero is "零元整".
//
// Amounts of 10^12 yuan and more use 万亿 ("壹万亿元整"). A negative amount
// is prefixed with 负. The 人民币 prefix is left to the document.
func (f Fen) Upper() string {
	m := f.magnitude()
	yuan, jiao, fen := m/100, m/10%10, m%10
	var b strings.Builder
	if f < 0 {
		b.WriteString("负")
	}
	if m == 0 {
		return "零元整"
	}
	if yuan > 0 {
		writeUpperInt(&b, yuan)
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && fen == 0:
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(upperDigits[fen] + "分")
	default:
		b.WriteString(upperDigits[jiao] + "角")
		if fen > 0 {
			b.WriteString(upperDigits[fen] + "分")
		}
	}
	return b.String()
}

// writeUpperInt writes n > 0 in capital numerals.
func writeUpperInt(b *strings.Builder, n uint64) {
	const yi, wan = 100_000_000, 10_000
	switch {
	case n >= yi:
		writeUpperInt(b, n/yi)
		b.WriteString("亿")
		if low := n % yi; low > 0 {
			if low < yi/10 {
				b.WriteString("零")
			}
			writeUpperInt(b, low)
		}
	case n >= wan:
		writeUpperGroup(b, n/wan)
		b.WriteString("万")
		if low := n % wan; low > 0 {
			if low < wan/10 {
				b.WriteString("零")
			}
			writeUpperGroup(b, low)
		}
	default:
		writeUpperGroup(b, n)
	}
}

// writeUpperGroup writes 0 < n < 10000: digits with 仟佰拾, one 零 for a run
// of inner zeros, trailing zeros left out.
func writeUpperGroup(b *strings.Builder, n uint64) {
	units := [4]string{"仟", "佰", "拾", ""}
	digits := [4]uint64{n / 1000, n / 100 % 10, n / 10 % 10, n % 10}
	started, zero := false, false
	for i, d := range digits {
		switch {
		case d == 0:
			zero = started
		default:
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(upperDigits[d] + units[i])
			started = true
		}
	}
}
