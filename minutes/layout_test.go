package minutes

import (
	"strings"
	"testing"
	"time"
)

func TestMinutesWrap(t *testing.T) {
	p := newPDF("t", "t", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p.setSize(10)
	em := p.runeW('中') // one Han character, 10 pt
	tests := []struct {
		name  string
		text  string
		width float64 // in Han characters
		want  []string
	}{
		{"fits", "评标报告", 10, []string{"评标报告"}},
		{"han breaks anywhere", "示范市第一中学新校区", 4, []string{"示范市第", "一中学新", "校区"}},
		{"comma does not start a line", "甲乙丙丁，戊己", 4, []string{"甲乙丙", "丁，戊己"}},
		{"full stop does not start a line", "甲乙丙丁。", 4, []string{"甲乙丙", "丁。"}},
		{"closing bracket does not start a line", "甲乙丙丁）戊", 4, []string{"甲乙丙", "丁）戊"}},
		{"opening bracket does not end a line", "甲乙丙（丁戊）", 4, []string{"甲乙丙", "（丁戊）"}},
		{"newline", "甲乙\n丙", 10, []string{"甲乙", "丙"}},
		{"empty", "", 10, []string{""}},
		{"latin words break at spaces", "合同 trading draw verify", 4, []string{"合同", "trading", "draw", "verify"}},
		{"number kept whole", "金额¥1,234,567.89元", 9, []string{"金额¥1,234,567.89", "元"}},
		{"long hex broken by width", strings.Repeat("a", 40), 6, nil},
		{"carriage return dropped", "甲乙\r\n丙", 10, []string{"甲乙", "丙"}},
		{"too narrow for 避头尾", "甲，乙，丙", 1, []string{"甲", "，", "乙", "，", "丙"}},
		{"ideographic space kept", "　　特此通知。", 10, []string{"　　特此通知。"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.width * em
			got := p.wrap(tc.text, w)
			if tc.want != nil && strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("wrap(%q, %g em) = %q; want %q", tc.text, tc.width, got, tc.want)
			}
			// Invariants: nothing but spaces lost, nothing too wide, no
			// line starting with a closing mark unless it is alone.
			if squash(strings.Join(got, "")) != squash(tc.text) {
				t.Errorf("characters lost: %q from %q", got, tc.text)
			}
			for _, l := range got {
				if p.textW(l) > w+1e-6 && len([]rune(l)) > 1 {
					t.Errorf("line %q is %.2f mm wide, more than %.2f", l, p.textW(l), w)
				}
			}
		})
	}
}

// TestMinutesWrapNoLoss wraps every sample bidder name at many widths and
// checks that every character survives and no line starts with a mark
// that may not start one.
func TestMinutesWrapNoLoss(t *testing.T) {
	p := newPDF("t", "t", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p.setSize(sizeTable)
	texts := append(sampleBidders(), SampleLongBidder+"，报价确认。", "（一）投标文件没有对招标文件的实质性要求和条件作出响应；")
	for _, s := range texts {
		for w := 2.0; w <= 80; w += 1.5 {
			lines := p.wrap(s, w)
			if got := strings.Join(lines, ""); got != s {
				t.Fatalf("wrap(%q, %g) lost characters: %q", s, w, lines)
			}
			for i, l := range lines {
				if i > 0 && l != "" && strings.ContainsRune(noStart, []rune(l)[0]) && w > 3*p.runeW('中') {
					t.Errorf("wrap(%q, %g): line %d starts with %q: %q", s, w, i, []rune(l)[0], lines)
				}
				if p.textW(l) > w+1e-6 && len([]rune(l)) > 1 {
					t.Errorf("wrap(%q, %g): line %q too wide", s, w, l)
				}
			}
		}
	}
}
