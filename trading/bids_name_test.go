package trading

import "testing"

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"投标文件.pdf":                       "投标文件.pdf",
		`C:\Users\张三\报价.xlsx`:            "报价.xlsx",
		"../../etc/passwd":               "passwd",
		"报价\u202Efdp.exe":                "报价_fdp.exe",
		"a\x00b\x07c\x1b.pdf":            "a_b_c_.pdf",
		"\xff\xfe.pdf":                   "\uFFFD.pdf",
		"  ":                             "投标文件",
		"/":                              "投标文件",
		"isolate\u2066x\u2069\u200f.doc": "isolate_x__.doc",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}
