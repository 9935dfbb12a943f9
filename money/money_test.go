package money

import (
	"errors"
	"math"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in       string
		want     Fen
		wantCode string
	}{
		{in: "1999999.99", want: 199999999},
		{in: "1,999,999.99", want: 199999999},
		{in: "100", want: 10000},
		{in: "0", want: 0},
		{in: "0.5", want: 50},
		{in: "0.05", want: 5},
		{in: "007.10", want: 710},
		{in: "¥1,000", want: 100000},
		{in: "￥12.3", want: 1230},
		{in: "  ¥ 5", wantCode: CodeInvalid},
		{in: " 42.00 ", want: 4200},
		{in: "123,456", want: 12345600},
		{in: "92233720368547758.07", want: math.MaxInt64},
		{in: "92,233,720,368,547,758.07", want: math.MaxInt64},
		{in: "92233720368547758.08", wantCode: CodeOverflow},
		{in: "99999999999999999999999", wantCode: CodeOverflow},
		{in: "184467440737095516.15", wantCode: CodeOverflow},
		{in: "", wantCode: CodeEmpty},
		{in: "   ", wantCode: CodeEmpty},
		{in: "¥", wantCode: CodeInvalid},
		{in: "-1", wantCode: CodeNegative},
		{in: "¥-1", wantCode: CodeNegative},
		{in: "-¥1", wantCode: CodeNegative},
		{in: "+1", wantCode: CodeInvalid},
		{in: "1.999", wantCode: CodeTooManyDecimal},
		{in: "1,999.999", wantCode: CodeTooManyDecimal},
		{in: "1.", wantCode: CodeInvalid},
		{in: ".5", wantCode: CodeInvalid},
		{in: "1.2.3", wantCode: CodeInvalid},
		{in: "abc", wantCode: CodeInvalid},
		{in: "1e3", wantCode: CodeInvalid},
		{in: "1 000", wantCode: CodeInvalid},
		{in: "1,99,999", wantCode: CodeInvalid},
		{in: "1999,999", wantCode: CodeInvalid},
		{in: ",999", wantCode: CodeInvalid},
		{in: "1,,999", wantCode: CodeInvalid},
		{in: "1,999,", wantCode: CodeInvalid},
		{in: "1,9999", wantCode: CodeInvalid},
		{in: "１２", wantCode: CodeInvalid},
		{in: "12元", wantCode: CodeInvalid},
		{in: "0x10", wantCode: CodeInvalid},
		{in: "1.-5", wantCode: CodeInvalid},
		{in: "NaN", wantCode: CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			checkParse(t, got, err, tt.want, tt.wantCode)
		})
	}
}

func TestParseSigned(t *testing.T) {
	tests := []struct {
		in       string
		want     Fen
		wantCode string
	}{
		{in: "-1", want: -100},
		{in: "-¥1,000.5", want: -100050},
		{in: "¥-0.01", want: -1},
		{in: "+3", want: 300},
		{in: "-0", want: 0},
		{in: "5", want: 500},
		{in: "-92233720368547758.08", want: math.MinInt64},
		{in: "-92233720368547758.09", wantCode: CodeOverflow},
		{in: "--1", wantCode: CodeInvalid},
		{in: "-¥-1", wantCode: CodeInvalid},
		{in: "-", wantCode: CodeInvalid},
		{in: "-1.001", wantCode: CodeTooManyDecimal},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSigned(tt.in)
			checkParse(t, got, err, tt.want, tt.wantCode)
		})
	}
}

func checkParse(t *testing.T, got Fen, err error, want Fen, wantCode string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		if got != want {
			t.Fatalf("got %d fen, want %d", got, want)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %d, %v; want error %s", got, err, wantCode)
	}
	if e.Code() != wantCode {
		t.Fatalf("code = %s, want %s", e.Code(), wantCode)
	}
	if e.Message() == "" || e.Error() != e.Message() {
		t.Fatalf("bad message %q", e.Error())
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in         Fen
		want, yuan string
	}{
		{0, "0.00", "¥0.00"},
		{5, "0.05", "¥0.05"},
		{50, "0.50", "¥0.50"},
		{100, "1.00", "¥1.00"},
		{99999, "999.99", "¥999.99"},
		{100000, "1,000.00", "¥1,000.00"},
		{199999999, "1,999,999.99", "¥1,999,999.99"},
		{12345678901, "123,456,789.01", "¥123,456,789.01"},
		{-300, "-3.00", "-¥3.00"},
		{-100050, "-1,000.50", "-¥1,000.50"},
		{math.MaxInt64, "92,233,720,368,547,758.07", "¥92,233,720,368,547,758.07"},
		{math.MinInt64, "-92,233,720,368,547,758.08", "-¥92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
			if got := tt.in.Yuan(); got != tt.yuan {
				t.Errorf("Yuan = %q, want %q", got, tt.yuan)
			}
			back, err := ParseSigned(tt.in.Yuan())
			if err != nil || back != tt.in {
				t.Errorf("ParseSigned(%q) = %d, %v", tt.in.Yuan(), back, err)
			}
		})
	}
}

func TestFromYuan(t *testing.T) {
	if got := FromYuan(2_000_000); got != 200_000_000 {
		t.Errorf("FromYuan = %d", got)
	}
}

func TestUpper(t *testing.T) {
	tests := []struct {
		yuan string
		want string
	}{
		{"0", "零元整"},
		{"0.5", "伍角"},
		{"0.05", "伍分"},
		{"0.55", "伍角伍分"},
		{"1", "壹元整"},
		{"1.5", "壹元伍角"},
		{"1.05", "壹元零伍分"},
		{"10", "壹拾元整"},
		{"15", "壹拾伍元整"},
		{"20", "贰拾元整"},
		{"100", "壹佰元整"},
		{"101", "壹佰零壹元整"},
		{"110", "壹佰壹拾元整"},
		{"1000", "壹仟元整"},
		{"1001", "壹仟零壹元整"},
		{"1010", "壹仟零壹拾元整"},
		{"1005.05", "壹仟零伍元零伍分"},
		// Examples of the PBOC rules.
		{"1409.50", "壹仟肆佰零玖元伍角"},
		{"6007.14", "陆仟零柒元壹角肆分"},
		{"1680.32", "壹仟陆佰捌拾元叁角贰分"},
		{"107000.53", "壹拾万柒仟元伍角叁分"},
		{"16409.02", "壹万陆仟肆佰零玖元零贰分"},
		{"325.04", "叁佰贰拾伍元零肆分"},
		{"10000", "壹万元整"},
		{"10001", "壹万零壹元整"},
		{"10010", "壹万零壹拾元整"},
		{"100100", "壹拾万零壹佰元整"},
		{"1000000", "壹佰万元整"},
		{"1999999.99", "壹佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"},
		{"2000000", "贰佰万元整"},
		{"10000000", "壹仟万元整"},
		{"10000100", "壹仟万零壹佰元整"},
		{"100000000", "壹亿元整"},
		{"100000000.01", "壹亿元零壹分"},
		{"100000001", "壹亿零壹元整"},
		{"101000000", "壹亿零壹佰万元整"},
		{"110000000", "壹亿壹仟万元整"},
		{"100010000", "壹亿零壹万元整"},
		{"1234567890.12", "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"},
		{"1000000000000", "壹万亿元整"},
		{"1000100000000", "壹万零壹亿元整"},
	}
	for _, tt := range tests {
		t.Run(tt.yuan, func(t *testing.T) {
			f, err := Parse(tt.yuan)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Upper(); got != tt.want {
				t.Errorf("Upper = %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("negative", func(t *testing.T) {
		if got := Fen(-150).Upper(); got != "负壹元伍角" {
			t.Errorf("Upper = %s", got)
		}
	})
	t.Run("extremes", func(t *testing.T) {
		for _, f := range []Fen{math.MaxInt64, math.MinInt64} {
			if f.Upper() == "" {
				t.Errorf("%d: empty", f)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1,999,999.99", "100", "¥0.5", "-1", "1.999", "", "92233720368547758.07", "1,99", "￥-3", "+0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSigned(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message() == "" {
				t.Fatalf("untyped or silent error %v", err)
			}
			if _, err := Parse(s); err == nil {
				t.Fatalf("Parse accepts %q but ParseSigned does not", s)
			}
			return
		}
		for _, text := range []string{v.String(), v.Yuan()} {
			back, err := ParseSigned(text)
			if err != nil || back != v {
				t.Fatalf("%q → %d → %q → %d, %v", s, v, text, back, err)
			}
		}
		if p, err := Parse(s); err == nil && p != v {
			t.Fatalf("Parse = %d, ParseSigned = %d", p, v)
		}
		if v.Upper() == "" {
			t.Fatal("empty Upper")
		}
	})
}
