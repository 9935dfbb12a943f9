package minutes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"ggzy/money"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/golden.sha256 from the rendered samples")
	outDir = flag.String("out", "", "also write the rendered samples to this folder")
)

// render renders d or fails the test.
func render(t testing.TB, d Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := d.Render(&b); err != nil {
		t.Fatalf("render %T: %v", d, err)
	}
	return b.Bytes()
}

// pdfText runs pdftotext on pdf with the given mode flags. Without poppler
// the test is skipped locally and fails under CI=true.
func pdfText(t testing.TB, pdf []byte, flags ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (poppler-utils) is required under CI")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(flags, "-enc", "UTF-8", in, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// squash removes all white space, so strings can be found across line and
// column breaks of the layout.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func TestMinutesSamples(t *testing.T) {
	er := SampleEvaluationReport()
	first := er.Candidates[0]
	tests := []struct {
		kind    string
		maxSize int
		want    []string
	}{
		{"evaluation-report", 400 << 10, []string{
			"评标报告", "一、基本情况和数据", "二、评标委员会成员名单", "三、开标记录", "四、符合要求的投标一览表",
			"五、否决投标情况说明", "六、评标方法和评审因素", "七、评分比较一览表", "八、排序",
			"九、推荐的中标候选人及签订合同前要处理的事宜", "十、澄清、说明、补正事项纪要",
			"评标委员会成员的不同意见", "评标委员会成员签字", "综合评估法", "欧阳晓东", "主任委员",
			"第一中标候选人", first.Bidder, "人民币" + first.Price.Upper(), "人民币" + sampleControl.Upper(),
			"第1页共", "施工方案与技术措施", "认定其报价低于成本",
		}},
		{"failed-evaluation-report", 200 << 10, []string{"评标失败报告", "五、评标失败的原因", "有效投标不足3份", "重新招标"}},
		{"opening-record", 200 << 10, []string{
			"开标记录表", "一、唱标记录", "二、未开启的投标人", "三、异议及答复", "招标控制价",
			"人民币叁仟捌佰陆拾伍万元整", "未递交投标文件", "未按时签到", "投标文件解密失败",
			"报价确认", "未确认", "招标人", "招标代理", "监标人", "记录人", "第1页共",
		}},
		{"award-notice", 150 << 10, []string{"中标通知书", "中标价", "人民币", "2026年4月27日前", "特此通知", "第1页共1页"}},
		{"draw-record", 150 << 10, []string{"评标专家抽取记录", "RFC3797", "tradingdrawverifyD-2026-000731", "候补", "选中", "SHA-256", "第1页共"}},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			d, err := Sample(tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			pdf := render(t, d)
			if *outDir != "" {
				if err := os.WriteFile(filepath.Join(*outDir, tc.kind+".pdf"), pdf, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if len(pdf) > tc.maxSize {
				t.Errorf("%d bytes; want at most %d", len(pdf), tc.maxSize)
			}
			text := squash(pdfText(t, pdf))
			for _, w := range tc.want {
				if !strings.Contains(text, squash(w)) {
					t.Errorf("the text has no %q", w)
				}
			}
		})
	}
}

// TestMinutesWrappedBidder: the long joint-venture name does not fit its
// cell, is wrapped by the package and loses no character at the break —
// the failure the gofpdf line's MultiCell has with Han text.
func TestMinutesWrappedBidder(t *testing.T) {
	pdf := render(t, SampleOpeningRecord())
	raw := pdfText(t, pdf, "-raw", "-f", "1", "-l", "1") // content order, page 1
	lines := strings.Split(raw, "\n")
	for _, l := range lines {
		if strings.Contains(l, SampleLongBidder) {
			t.Fatalf("the long name is on one line, not wrapped: %q", l)
		}
	}
	found := false
	for i := range lines {
		for j := i + 2; j <= min(i+6, len(lines)); j++ {
			if squash(strings.Join(lines[i:j], "")) == squash(SampleLongBidder) {
				found = true
				t.Logf("wrapped over %d lines: %q", j-i, lines[i:j])
			}
		}
	}
	if !found {
		t.Errorf("the long bidder name is not found whole across its wrapped lines on page 1:\n%s", raw)
	}
}

// TestMinutesGlyphs: every character the samples print has a glyph in the
// embedded font (checked on the text read back from the PDF, independently
// of the renderer's own check), and a character without one is refused.
func TestMinutesGlyphs(t *testing.T) {
	for _, r := range "评标报告，。（）¥壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整第页共欧阳ABCxyz0123456789-—…“”" {
		if !Covered(r) {
			t.Errorf("Covered(%q) = false", r)
		}
	}
	for _, r := range []rune{0, '\t', 0xE000, 0x1F600, 0x20000} {
		if Covered(r) {
			t.Errorf("Covered(%U) = true", r)
		}
	}
	for _, kind := range SampleKinds {
		d, err := Sample(kind)
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, render(t, d))
		var bad []rune
		for _, r := range text {
			if !unicode.IsSpace(r) && !Covered(r) && !slices.Contains(bad, r) {
				bad = append(bad, r)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s: characters without a glyph in the text read back: %q", kind, string(bad))
		}
	}

	doc := SampleOpeningRecord()
	doc.Bids = slices.Clone(doc.Bids)
	doc.Bids[0].Bidder = "示范\uE000建设有限公司😀"
	err := doc.Render(&bytes.Buffer{})
	var mg *MissingGlyphsError
	if !errors.As(err, &mg) {
		t.Fatalf("render with a private-use character: err = %v; want *MissingGlyphsError", err)
	}
	if want := []rune{0xE000, 0x1F600}; !slices.Equal(mg.Runes, want) {
		t.Errorf("missing runes %U; want %U", mg.Runes, want)
	}
	if got := MissingGlyphs("张三\uE000"); !slices.Equal(got, []rune{0xE000}) {
		t.Errorf("MissingGlyphs = %U", got)
	}
}

// TestMinutesDeterministic: equal input gives equal bytes.
func TestMinutesDeterministic(t *testing.T) {
	for _, kind := range SampleKinds {
		a, _ := Sample(kind)
		b, _ := Sample(kind)
		if !bytes.Equal(render(t, a), render(t, b)) {
			t.Errorf("%s: two renders differ", kind)
		}
	}
}

// TestMinutesGolden pins the bytes of each sample by SHA-256. A change to
// the layout, the library or the font changes them: look at the PDFs
// (go test ./minutes -run MinutesSamples -out DIR), then refresh with
// go test ./minutes -run MinutesGolden -update.
func TestMinutesGolden(t *testing.T) {
	path := filepath.Join("testdata", "golden.sha256")
	var b strings.Builder
	for _, kind := range SampleKinds {
		d, _ := Sample(kind)
		sum := sha256.Sum256(render(t, d))
		fmt.Fprintf(&b, "%s  %s.pdf\n", hex.EncodeToString(sum[:]), kind)
	}
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("rendered samples differ from %s:\n got:\n%s want:\n%s", path, got, want)
	}
}

func TestMinutesIssue(t *testing.T) {
	pdf, sha, err := Issue(sampleAward())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	if sha != hex.EncodeToString(sum[:]) || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("Issue: sha %s does not match the PDF", sha)
	}
}

func TestMinutesInvalid(t *testing.T) {
	tests := []struct {
		name string
		doc  func() Document
	}{
		{"four candidates", func() Document {
			r := SampleEvaluationReport()
			r.Candidates = append(r.Candidates, r.Candidates[0])
			return r
		}},
		{"score above the maximum", func() Document {
			r := SampleEvaluationReport()
			r.Scores[0].Marks[1][0] = r.Criteria[1].Max + 1
			return r
		}},
		{"negative score", func() Document {
			r := SampleEvaluationReport()
			r.Scores[0].Marks[2][3] = -50
			return r
		}},
		{"marks missing a member", func() Document {
			r := SampleEvaluationReport()
			r.Scores[0].Marks[0] = r.Scores[0].Marks[0][:8]
			return r
		}},
		{"rejection without reason", func() Document {
			r := SampleEvaluationReport()
			r.Rejections[0].Reason = ""
			return r
		}},
		{"rejected bid scored", func() Document {
			r := SampleEvaluationReport()
			r.Scores[0].Bidder = r.Rejections[0].Bidder
			return r
		}},
		{"two chairs", func() Document {
			r := SampleEvaluationReport()
			r.Members[1].Role = RoleChair
			return r
		}},
		{"failed evaluation without reasons", func() Document {
			r := sampleFailed()
			r.Reasons = nil
			return r
		}},
		{"award without price", func() Document {
			n := sampleAward()
			n.Price = 0
			return n
		}},
		{"contract deadline before issue", func() Document {
			n := sampleAward()
			n.ContractDeadline = n.IssuedOn.AddDate(0, 0, -1)
			return n
		}},
		{"opening without time", func() Document {
			r := SampleOpeningRecord()
			r.OpenedAt = time.Time{}
			return r
		}},
		{"draw without key", func() Document {
			d := sampleDraw()
			d.Key = ""
			return d
		}},
		{"project without code", func() Document {
			n := sampleAward()
			n.Project.Code = ""
			return n
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := tc.doc().Render(&b)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v; want ErrInvalid", err)
			}
			if b.Len() != 0 {
				t.Errorf("%d bytes written on error", b.Len())
			}
		})
	}
}

func TestMinutesScoreString(t *testing.T) {
	for s, want := range map[Score]string{0: "0.00", 5: "0.05", 8525: "85.25", 10000: "100.00", -150: "-1.50"} {
		if got := s.String(); got != want {
			t.Errorf("Score(%d) = %q; want %q", int64(s), got, want)
		}
	}
	if got := amount(money.Fen(123400)); got != "¥1,234.00（人民币壹仟贰佰叁拾肆元整）" {
		t.Errorf("amount = %q", got)
	}
}

// BenchmarkEvaluationReport renders the sample evaluation report (30 bids,
// 9 members, 10 criteria). Figures in docs/PERFORMANCE.md.
func BenchmarkEvaluationReport(b *testing.B) {
	r := SampleEvaluationReport()
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := r.Render(&buf); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/doc")
}

func BenchmarkOpeningRecord(b *testing.B) {
	r := SampleOpeningRecord()
	for b.Loop() {
		if err := r.Render(&bytes.Buffer{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAwardNotice(b *testing.B) {
	n := sampleAward()
	for b.Loop() {
		if err := n.Render(&bytes.Buffer{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMinutesConcurrent: documents render in parallel (as a web server
// does) from the one embedded font without races and with equal bytes.
func TestMinutesConcurrent(t *testing.T) {
	want := render(t, sampleDraw())
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var b bytes.Buffer
			err := sampleDraw().Render(&b)
			if err == nil && !bytes.Equal(b.Bytes(), want) {
				err = errors.New("bytes differ")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestMinutesVariants renders the paths the samples do not take: a report
// under 经评审的最低投标价法 and the record of a fixed-price draw.
func TestMinutesVariants(t *testing.T) {
	r := SampleEvaluationReport()
	r.Method = LowestEvaluatedPrice
	r.Criteria = nil
	r.PriceRule = "投标报价经算术错误修正及评审调整后的价格，由低到高排序。"
	r.Scores = slices.Clone(r.Scores)
	for i := range r.Scores {
		s := &r.Scores[i]
		s.Marks, s.Criterion, s.Total = nil, nil, 0
		s.Adjustment = money.Fen(int64(i%3-1) * 1_000_00)
		s.EvaluatedPrice = s.Price + s.Adjustment
	}
	text := squash(pdfText(t, render(t, r)))
	for _, w := range []string{"经评审的最低投标价法", "七、经评审的投标价格比较一览表", "-¥1,000.00", "经评审的投标价（元）"} {
		if !strings.Contains(text, squash(w)) {
			t.Errorf("lowest-price report has no %q", w)
		}
	}

	d := sampleDraw()
	d.Purpose = FixedPriceDraw
	d.Subject = "固定价比选 中选人 1 家，候补 2 家"
	text = squash(pdfText(t, render(t, d)))
	for _, w := range []string{"固定价比选企业抽取记录", "中选人1家"} {
		if !strings.Contains(text, squash(w)) {
			t.Errorf("fixed-price draw record has no %q", w)
		}
	}
}
