package lottery

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"
)

type rfcExample struct {
	Sources  [][]uint64 `json:"sources"`
	Key      string     `json:"key"`
	PoolSize int        `json:"pool_size"`
	Rounds   []struct {
		Index     int    `json:"index"`
		MD5       string `json:"md5"`
		Remaining int    `json:"remaining"`
		Remainder int    `json:"remainder"`
		Selected  int    `json:"selected"`
	} `json:"rounds"`
	Order []int `json:"order"`
}

func loadExample(t testing.TB) rfcExample {
	t.Helper()
	data, err := os.ReadFile("testdata/rfc3797_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var ex rfcExample
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestRFC3797Example(t *testing.T) {
	ex := loadExample(t)
	if got := Key(ex.Sources); got != ex.Key {
		t.Fatalf("Key = %q, want %q", got, ex.Key)
	}
	if got := Key(ex.Sources); got != "9319./2.5.8.10.12./9.18.26.34.41.45./" {
		t.Fatalf("Key = %q", got)
	}
	rounds, err := Rounds(ex.Key, ex.PoolSize, len(ex.Order))
	if err != nil {
		t.Fatal(err)
	}
	if len(rounds) != len(ex.Rounds) {
		t.Fatalf("got %d rounds, want %d", len(rounds), len(ex.Rounds))
	}
	for i, want := range ex.Rounds {
		t.Run(fmt.Sprintf("round%d", i), func(t *testing.T) {
			got := rounds[i]
			if got.Index != want.Index || got.MD5Hex != want.MD5 || got.Remaining != want.Remaining ||
				got.Remainder != want.Remainder || got.Selected != want.Selected {
				t.Errorf("round = %+v, want %+v", got, want)
			}
		})
	}
	order, err := Select(ex.Key, ex.PoolSize, len(ex.Order))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22}; !slices.Equal(order, want) || !slices.Equal(order, ex.Order) {
		t.Fatalf("order = %v, want %v", order, want)
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		name    string
		sources [][]uint64
		want    string
	}{
		{"none", nil, ""},
		{"single", [][]uint64{{7}}, "7./"},
		{"unsorted", [][]uint64{{45, 9, 26}}, "9.26.45./"},
		{"source order kept", [][]uint64{{9}, {1}}, "9./1./"},
		{"duplicates kept", [][]uint64{{3, 3, 1}}, "1.3.3./"},
		{"zero and max", [][]uint64{{18446744073709551615, 0}}, "0.18446744073709551615./"},
		{"empty source", [][]uint64{{}, {1}}, "/1./"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.sources); got != tt.want {
				t.Errorf("Key = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("input not modified", func(t *testing.T) {
		src := [][]uint64{{3, 2, 1}}
		Key(src)
		if !slices.Equal(src[0], []uint64{3, 2, 1}) {
			t.Errorf("source changed to %v", src[0])
		}
	})
}

func TestKeyFromStrings(t *testing.T) {
	tests := []struct {
		name      string
		sources   []string
		want      string
		wantCode  string
		wantIndex int
	}{
		{name: "rfc example", sources: []string{"9319", "12 10 8 5 2", "45,41,34,26,18,9"}, want: "9319./2.5.8.10.12./9.18.26.34.41.45./"},
		{name: "chinese separators", sources: []string{"3，1、2", "4\t5\n6"}, want: "1.2.3./4.5.6./"},
		{name: "ideographic space", sources: []string{"2\u30001"}, want: "1.2./"},
		{name: "leading zeros", sources: []string{"007 0 00"}, want: "0.0.7./"},
		{name: "big numbers sorted by value", sources: []string{"100000000000000000000000 99999999999999999999999 5"}, want: "5.99999999999999999999999.100000000000000000000000./"},
		{name: "hex secret upper-cased", sources: []string{"3f9a0c"}, want: "3F9A0C/"},
		{name: "secret and witnesses", sources: []string{" deadBEEF ", "12 7"}, want: "DEADBEEF/7.12./"},
		{name: "digits-only secret is a number", sources: []string{"0042"}, want: "42./"},
		{name: "no sources", sources: nil, wantCode: CodeNoSources},
		{name: "empty", sources: []string{"1", ""}, wantCode: CodeSourceEmpty, wantIndex: 1},
		{name: "only separators", sources: []string{" , "}, wantCode: CodeSourceEmpty, wantIndex: 0},
		{name: "mixed tokens", sources: []string{"1", "2", "12 abc"}, wantCode: CodeSourceNotNumber, wantIndex: 2},
		{name: "negative", sources: []string{"-5 3"}, wantCode: CodeSourceNotNumber},
		{name: "decimal point", sources: []string{"12.5"}, wantCode: CodeSourceCharset},
		{name: "chinese text", sources: []string{"一二三"}, wantCode: CodeSourceCharset},
		{name: "full-width digits", sources: []string{"１２"}, wantCode: CodeSourceCharset},
		{name: "slash", sources: []string{"ab/cd"}, wantCode: CodeSourceCharset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := KeyFromStrings(tt.sources)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if got != tt.want {
					t.Fatalf("key = %q, want %q", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("key = %q, want error %s", got, tt.wantCode)
			}
			var se *SourceError
			if errors.As(err, &se) {
				if se.Code() != tt.wantCode || se.Index != tt.wantIndex {
					t.Fatalf("error = %s at %d, want %s at %d", se.Code(), se.Index, tt.wantCode, tt.wantIndex)
				}
				if !strings.Contains(se.Error(), fmt.Sprintf("第%d个", tt.wantIndex+1)) {
					t.Errorf("message %q does not name the source", se.Error())
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code() != tt.wantCode {
				t.Fatalf("error = %v, want code %s", err, tt.wantCode)
			}
		})
	}
}

func TestSourceErrorMessage(t *testing.T) {
	err := &SourceError{Index: 1, code: CodeSourceNotNumber}
	if got := err.Error(); got != "第2个随机数来源不是数字" {
		t.Errorf("message = %q", got)
	}
}

func TestKeyFromStringsMatchesKey(t *testing.T) {
	ex := loadExample(t)
	var texts []string
	for _, src := range ex.Sources {
		var parts []string
		for _, n := range slices.Backward(src) {
			parts = append(parts, fmt.Sprint(n))
		}
		texts = append(texts, strings.Join(parts, " "))
	}
	got, err := KeyFromStrings(texts)
	if err != nil {
		t.Fatal(err)
	}
	if got != Key(ex.Sources) {
		t.Errorf("KeyFromStrings = %q, Key = %q", got, Key(ex.Sources))
	}
}

func TestSelectErrors(t *testing.T) {
	tests := []struct {
		name            string
		key             string
		poolSize, count int
		wantCode        string
	}{
		{"empty key", "", 10, 1, CodeKeyEmpty},
		{"zero pool", "1./", 0, 0, CodePoolSize},
		{"negative pool", "1./", -1, 0, CodePoolSize},
		{"negative count", "1./", 10, -1, CodeCount},
		{"count over pool", "1./", 10, 11, CodeCount},
		{"too many rounds", "1./", MaxRounds + 1, MaxRounds + 1, CodeTooManyRounds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Select(tt.key, tt.poolSize, tt.count)
			var e *Error
			if !errors.As(err, &e) || e.Code() != tt.wantCode {
				t.Fatalf("error = %v, want code %s", err, tt.wantCode)
			}
			if e.Message() == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestSelectEdges(t *testing.T) {
	tests := []struct {
		name            string
		poolSize, count int
	}{
		{"count zero", 5, 0},
		{"pool of one", 1, 1},
		{"whole pool", 40, 40},
		{"whole pool fenwick", 300, 300},
		{"max rounds boundary pool", MaxRounds + 5, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select("KEY/", tt.poolSize, tt.count)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.count {
				t.Fatalf("len = %d, want %d", len(got), tt.count)
			}
			seen := map[int]bool{}
			for _, m := range got {
				if m < 1 || m > tt.poolSize || seen[m] {
					t.Fatalf("bad or repeated member %d in %v", m, got)
				}
				seen[m] = true
			}
		})
	}
}

// reference is a direct transcription of the RFC: math/big for the digest
// and a slice with removal for the pool.
func reference(key string, poolSize, count int) []Round {
	pool := make([]int, poolSize)
	for i := range pool {
		pool[i] = i + 1
	}
	var out []Round
	for i := range count {
		var two [2]byte
		binary.BigEndian.PutUint16(two[:], uint16(i))
		in := append(append(append([]byte{}, two[:]...), key...), two[:]...)
		sum := md5.Sum(in)
		v := new(big.Int).SetBytes(sum[:])
		rem := int(new(big.Int).Mod(v, big.NewInt(int64(len(pool)))).Int64())
		out = append(out, Round{
			Index:     i,
			MD5Hex:    fmt.Sprintf("%X", sum),
			Remaining: len(pool),
			Remainder: rem,
			Selected:  pool[rem],
		})
		pool = slices.Delete(pool, rem, rem+1)
	}
	return out
}

func TestRoundsMatchReference(t *testing.T) {
	tests := []struct {
		poolSize, count int
	}{
		{1, 1}, {2, 2}, {7, 3}, {25, 25}, {100, 50}, {1000, 256}, {1000, 257}, {1000, 1000}, {5000, 300}, {100000, 30},
	}
	for _, tt := range tests {
		for _, key := range []string{"9319./2.5.8.10.12./9.18.26.34.41.45./", "DEADBEEF/1.2./"} {
			t.Run(fmt.Sprintf("%d_%d_%s", tt.poolSize, tt.count, key[:4]), func(t *testing.T) {
				got, err := Rounds(key, tt.poolSize, tt.count)
				if err != nil {
					t.Fatal(err)
				}
				if want := reference(key, tt.poolSize, tt.count); !slices.Equal(got, want) {
					t.Fatalf("rounds differ from reference:\n got %v\nwant %v", got, want)
				}
			})
		}
	}
}

func TestPickersAgree(t *testing.T) {
	const n = 600
	positions := reference("pickers/", n, n)
	s := &sortedPicker{}
	f := newFenwickPicker(n)
	for _, r := range positions {
		a, b := s.take(r.Remainder), f.take(r.Remainder)
		if a != r.Selected || b != r.Selected {
			t.Fatalf("round %d: sorted %d, fenwick %d, want %d", r.Index, a, b, r.Selected)
		}
	}
}

func TestSelectPrefixStable(t *testing.T) {
	key := "9319./2.5.8.10.12./9.18.26.34.41.45./"
	all, err := Select(key, 500, 400)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 5, 11, 256, 257, 399} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			got, err := Select(key, 500, k)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, all[:k]) {
				t.Fatalf("prefix %d = %v, want %v", k, got, all[:k])
			}
		})
	}
}

func FuzzKeyFromStrings(f *testing.F) {
	f.Add("9319", "2 5 8 10 12")
	f.Add("deadbeef", "45,41,34")
	f.Add("", "1")
	f.Add("一二三", "１２")
	f.Add("12 abc", "0007")
	f.Fuzz(func(t *testing.T, a, b string) {
		key, err := KeyFromStrings([]string{a, b})
		if err != nil {
			var se *SourceError
			var e *Error
			if !errors.As(err, &se) && !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if strings.Count(key, "/") != 2 || !strings.HasSuffix(key, "/") {
			t.Fatalf("key %q does not have two sources", key)
		}
		for i := 0; i < len(key); i++ {
			c := key[i]
			if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || c == '.' || c == '/') {
				t.Fatalf("key %q has byte %q", key, c)
			}
		}
		if _, err := Select(key, 10, 3); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkSelect(b *testing.B) {
	key := "9319./2.5.8.10.12./9.18.26.34.41.45./"
	for _, bc := range []struct{ pool, count int }{{100000, 30}, {100000, 1000}} {
		b.Run(fmt.Sprintf("pool%d_count%d", bc.pool, bc.count), func(b *testing.B) {
			for b.Loop() {
				if _, err := Select(key, bc.pool, bc.count); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
