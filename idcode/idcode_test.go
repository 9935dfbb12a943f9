package idcode

import (
	"errors"
	"testing"
	"time"
)

func code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		return "untyped: " + err.Error()
	}
	return e.Code()
}

func TestValidateUSCC(t *testing.T) {
	tests := []struct {
		name, in, wantCode string
	}{
		// Published codes; each passes the check, which a random string
		// does with probability 1/31.
		{"GB 32100 style example", "91350100M000100Y43", ""},
		{"published 1", "91110108551385082Q", ""},
		{"published 2", "91440300708461136T", ""},
		{"published 3", "91110000600037341L", ""},
		{"check value 31 becomes 0, but 0 is no registration authority", "00000000000000000" + "0", CodeUSCCAuthority},
		{"category 0", "90350100M000100Y46", CodeUSCCAuthority},
		{"wrong check", "91350100M000100Y44", CodeUSCCChecksum},
		{"transposed", "91350100M000100Y34", CodeUSCCChecksum},
		{"lower case", "91350100m000100y43", CodeUSCCCharset},
		{"letter I", "9135010IM000100Y43", CodeUSCCCharset},
		{"letter O", "91350100O000100Y43", CodeUSCCCharset},
		{"letter Z as check", "91350100M000100Y4Z", CodeUSCCCharset},
		{"letter S", "S1350100M000100Y43", CodeUSCCCharset},
		{"letter V", "V1350100M000100Y43", CodeUSCCCharset},
		{"full-width", "９1350100M000100Y4", CodeUSCCLength},
		{"full-width 18 characters", "９1350100M000100Y43", CodeUSCCCharset},
		{"short", "91350100M000100Y4", CodeUSCCLength},
		{"long", "91350100M000100Y433", CodeUSCCLength},
		{"empty", "", CodeUSCCLength},
		{"spaces", " 91350100M000100Y43", CodeUSCCLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(ValidateUSCC(tt.in)); got != tt.wantCode {
				t.Errorf("ValidateUSCC(%q) = %q, want %q", tt.in, got, tt.wantCode)
			}
		})
	}
}

func TestUSCCCheckChar(t *testing.T) {
	tests := []struct {
		first17  string
		want     byte
		wantCode string
	}{
		{first17: "91350100M000100Y4", want: '3'},
		{first17: "91110108551385082", want: 'Q'},
		{first17: "00000000000000000", want: '0'},
		{first17: "10000000000000000", want: 'Y'}, // 31 − 1 = 30
		{first17: "91350100M000100Y", wantCode: CodeUSCCLength},
		{first17: "91350100M000100YI", wantCode: CodeUSCCCharset},
	}
	for _, tt := range tests {
		t.Run(tt.first17, func(t *testing.T) {
			got, err := USCCCheckChar(tt.first17)
			if c := code(err); c != tt.wantCode {
				t.Fatalf("code = %q, want %q", c, tt.wantCode)
			}
			if got != tt.want {
				t.Errorf("check = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("every made-up code validates", func(t *testing.T) {
		for i := range len(usccAlphabet) {
			first := "9144" + usccAlphabet[i:i+1] + "00MA" + usccAlphabet[len(usccAlphabet)-1-i:len(usccAlphabet)-i] + "1234567"
			c, err := USCCCheckChar(first)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateUSCC(first + string(c)); err != nil {
				t.Errorf("%s%c: %v", first, c, err)
			}
		}
	})
}

func TestNormalizeUSCC(t *testing.T) {
	if got := NormalizeUSCC(" 91350100m000100y43\n"); got != "91350100M000100Y43" || ValidateUSCC(got) != nil {
		t.Errorf("NormalizeUSCC = %q", got)
	}
}

func TestValidateResidentID(t *testing.T) {
	tests := []struct {
		name, in, wantCode string
	}{
		{"GB 11643 example", "11010519491231002X", ""},
		{"GB 11643 example born 1880", "440524188001010014", ""},
		{"lower-case x", "11010519491231002x", ""},
		{"leap day", "110105200002290013", ""},
		{"wrong check", "110105194912310021", CodeIDChecksum},
		{"X where digit due", "44052418800101001X", CodeIDChecksum},
		{"not a leap year", "110105190002290011", CodeIDBirthDate},
		{"month 13", "110105194913310025", CodeIDBirthDate},
		{"day 32", "110105194912320028", CodeIDBirthDate},
		{"day 0", "110105194912000028", CodeIDBirthDate},
		{"year 0000", "110105000001010016", CodeIDBirthDate},
		{"April 31", "110105199904310018", CodeIDBirthDate},
		{"letter inside", "11010519491231A02X", CodeIDCharset},
		{"X inside", "1101051949123100X2", CodeIDCharset},
		{"bad last char", "11010519491231002Y", CodeIDCharset},
		{"15-digit old number", "110105491231002", CodeIDLength},
		{"17 digits", "11010519491231002", CodeIDLength},
		{"19 digits", "11010519491231002X1", CodeIDLength},
		{"empty", "", CodeIDLength},
		{"full-width digit", "１1010519491231002X", CodeIDCharset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(ValidateResidentID(tt.in)); got != tt.wantCode {
				t.Errorf("ValidateResidentID(%q) = %q, want %q", tt.in, got, tt.wantCode)
			}
		})
	}
}

func TestResidentIDCheckChar(t *testing.T) {
	tests := []struct {
		first17  string
		want     byte
		wantCode string
	}{
		{first17: "11010519491231002", want: 'X'},
		{first17: "44052418800101001", want: '4'},
		{first17: "1101051949123100", wantCode: CodeIDLength},
		{first17: "1101051949123100X", wantCode: CodeIDCharset},
	}
	for _, tt := range tests {
		t.Run(tt.first17, func(t *testing.T) {
			got, err := ResidentIDCheckChar(tt.first17)
			if c := code(err); c != tt.wantCode {
				t.Fatalf("code = %q, want %q", c, tt.wantCode)
			}
			if got != tt.want {
				t.Errorf("check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBirthDate(t *testing.T) {
	tests := []struct {
		in       string
		want     time.Time
		wantCode string
	}{
		{in: "11010519491231002X", want: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)},
		{in: "11010519491231002x", want: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)},
		{in: "440524188001010014", want: time.Date(1880, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "110105190002290011", wantCode: CodeIDBirthDate},
		{in: "110105194912310021", wantCode: CodeIDChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := BirthDate(tt.in)
			if c := code(err); c != tt.wantCode {
				t.Fatalf("code = %q, want %q", c, tt.wantCode)
			}
			if !got.Equal(tt.want) {
				t.Errorf("BirthDate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNormalizeResidentID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002x", "11010519491231002X"},
		{" 11010519491231002X ", "11010519491231002X"},
		{"440524188001010014", "440524188001010014"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeResidentID(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateMobile(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"13812345678", ""},
		{"19912345678", ""},
		{"16600000000", ""},
		{"12812345678", CodePhoneInvalid},
		{"10012345678", CodePhoneInvalid},
		{"23812345678", CodePhoneInvalid},
		{"1381234567", CodePhoneInvalid},
		{"138123456789", CodePhoneInvalid},
		{"138-1234-5678", CodePhoneInvalid},
		{"+8613812345678", CodePhoneInvalid},
		{"1381234567a", CodePhoneInvalid},
		{"", CodePhoneInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := code(ValidateMobile(tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeMobile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"138 1234 5678", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"008613812345678", "13812345678"},
		{"13812345678", "13812345678"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := NormalizeMobile(tt.in)
			if got != tt.want || ValidateMobile(got) != nil {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"id", MaskResidentID("110101199003071234"), "110101********1234"},
		{"id with X", MaskResidentID("11010519491231002X"), "110105********002X"},
		{"old 15-digit id", MaskResidentID("110105491231002"), "110105*****1002"},
		{"short id", MaskResidentID("1234567890"), "**********"},
		{"empty id", MaskResidentID(""), ""},
		{"phone", MaskPhone("13812345678"), "138****5678"},
		{"landline", MaskPhone("01012345678"), "010****5678"},
		{"short phone", MaskPhone("1234567"), "*******"},
		{"runes", MaskPhone("电话号码一二三四五六"), "电话号***三四五六"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	for c := range messages {
		t.Run(c, func(t *testing.T) {
			e := &Error{c}
			if e.Message() == "" || e.Error() != e.Message() || e.Code() != c {
				t.Errorf("bad error %q", e.Error())
			}
		})
	}
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M000100Y44", "", "９1350100M000100Y4", "IIIIIIIIIIIIIIIIII"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateUSCC(s)
		if err != nil {
			if code(err) == "" || code(err)[:5] != "uscc_" {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		c, err := USCCCheckChar(s[:17])
		if err != nil || c != s[17] {
			t.Fatalf("valid %q but check char %q, %v", s, c, err)
		}
	})
}

func FuzzValidateResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "440524188001010014", "110105190002290011", "", "１1010519491231002"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateResidentID(s)
		masked := MaskResidentID(s)
		if len([]rune(masked)) != len([]rune(s)) {
			t.Fatalf("mask changed length: %q → %q", s, masked)
		}
		if err != nil {
			if c := code(err); len(c) < 3 || c[:3] != "id_" {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		b, err := BirthDate(s)
		if err != nil || b.Year() < 1800 {
			t.Fatalf("valid %q but BirthDate %v, %v", s, b, err)
		}
		if n := NormalizeResidentID(s); ValidateResidentID(n) != nil {
			t.Fatalf("normalised %q invalid", n)
		}
	})
}

func FuzzValidateMobile(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "", "1381234567a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := ValidateMobile(s); err != nil && code(err) != CodePhoneInvalid {
			t.Fatalf("bad error %v", err)
		}
		_ = ValidateMobile(NormalizeMobile(s))
		if len([]rune(MaskPhone(s))) != len([]rune(s)) {
			t.Fatalf("mask changed length of %q", s)
		}
	})
}

func TestHalfWidth(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002x"},
		{"９１３３０１０６ＭＡ２Ｈ０Ｘ１２３Ｘ", "91330106MA2H0X123X"},
		{"１３８　００１３　８０００", "138 0013 8000"},
		{"＋８６－１３８００１３８０００", "+86-13800138000"},
		{"11010519491231002X", "11010519491231002X"},
		{"张三１号", "张三1号"},
		{"", ""},
	} {
		if got := HalfWidth(tc.in); got != tc.want {
			t.Errorf("HalfWidth(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// The validators stay strict: folding is the caller's explicit step.
	if ValidateResidentID("１１０１０５１９４９１２３１００２Ｘ") == nil {
		t.Error("a full-width number validates without HalfWidth")
	}
	if err := ValidateResidentID(NormalizeResidentID(HalfWidth("１１０１０５１９４９１２３１００２ｘ"))); err != nil {
		t.Errorf("folded number: %v", err)
	}
}
