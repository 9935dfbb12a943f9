// Package minutes renders the printed records of a trading day as PDF: the
// opening record (开标记录表), the evaluation report (评标报告) and its failed
// variant (评标失败报告), the award notice (中标通知书) and the draw record
// (抽取记录) of expert and fixed-price draws.
//
// Each document is a plain value defined here — the caller copies its own
// domain data into it — with a Render(w io.Writer) error method. Rendering
// touches no database and no network: Chinese is set in an embedded Noto
// Sans SC, subset into each file. The same value always gives the same
// bytes (the creation date comes from the document's own date), so a
// document's SHA-256 identifies it; Issue returns both.
//
// Render refuses a value that breaks the document's rules (ErrInvalid) and
// one holding a character the font cannot draw (*MissingGlyphsError).
package minutes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"ggzy/clock"
	"ggzy/money"
)

// Document is any of the records this package prints.
type Document interface {
	Render(w io.Writer) error
}

// ErrInvalid is wrapped by every error about a document value that breaks
// the record's rules (more than 3 candidates, a score table that does not
// match the committee, …).
var ErrInvalid = errors.New("minutes: invalid document")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Issue renders d and returns the PDF with its SHA-256 in hex, the value
// stored with the project for each issued document.
func Issue(d Document) (pdf []byte, sha string, err error) {
	var b bytes.Buffer
	if err := d.Render(&b); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b.Bytes())
	return b.Bytes(), hex.EncodeToString(sum[:]), nil
}

// Project identifies the project and lot a document belongs to.
type Project struct {
	Name     string // 项目名称
	Code     string // 项目编号
	LotName  string // 标段（包）名称; empty when the project has one lot
	LotCode  string // 标段（包）编号
	Tenderer string // 招标人 / 采购人
	Agency   string // 招标代理机构; empty when the tenderer tenders itself
}

func (p Project) lot() string {
	switch {
	case p.LotName != "" && p.LotCode != "":
		return p.LotName + "（" + p.LotCode + "）"
	case p.LotName != "":
		return p.LotName
	case p.LotCode != "":
		return p.LotCode
	}
	return "—"
}

// headRows open the opening record and the evaluation reports: the
// project, its lot, the tenderer, the agency and the control price (招标控制价).
func (p Project) headRows(control money.Fen) [][2]string {
	c := "未设置"
	if control > 0 {
		c = amount(control)
	}
	return [][2]string{
		{"项目名称*", p.Name},
		{"项目编号", p.Code},
		{"标段（包）", p.lot()},
		{"招标人", p.Tenderer},
		{"招标代理", orDash(p.Agency)},
		{"招标控制价*", c},
	}
}

func (p Project) validate() error {
	if p.Name == "" || p.Code == "" {
		return invalid("project name and code are required")
	}
	if p.Tenderer == "" {
		return invalid("the tenderer is required")
	}
	return nil
}

// Score is a fixed-point score in hundredths of a point: 8525 is 85.25.
// The evaluation code computes scores and rounds them by its own written
// rule; this package only prints them.
type Score int64

// String prints the score with two decimals: "85.25", "0.00", "-1.50".
func (s Score) String() string {
	n := int64(s)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return sign + strconv.FormatInt(n/100, 10) + "." + fmt.Sprintf("%02d", n%100)
}

// amount prints figures and 大写 together: "¥1,234.00（人民币壹仟贰佰叁拾肆元整）".
func amount(f money.Fen) string {
	return f.Yuan() + "（人民币" + f.Upper() + "）"
}

func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Shanghai).Format("2006年1月2日 15:04")
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Shanghai).Format("2006年1月2日")
}

// short prints the score with no trailing zeros: "40", "12.5", "8.25";
// used where space is short (table headers).
func (s Score) short() string {
	t := s.String()
	t = strings.TrimRight(t, "0")
	return strings.TrimSuffix(t, ".")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func itoa(n int) string { return strconv.Itoa(n) }

// Signatory is one signature line: the role printed before it, and the
// name when it is known (the person still signs by hand).
type Signatory struct {
	Role string // 招标人（盖章）, 监标人, 记录人, …
	Name string
}

// signatures draws signature lines two to a row, each with a date line.
func (p *pdf) signatures(s []Signatory) {
	rows := make([][]string, 0, (len(s)+1)/2)
	for i := 0; i < len(s); i += 2 {
		row := []string{s[i].Role, s[i].Name, "", "", ""}
		if i+1 < len(s) {
			row[2], row[3] = s[i+1].Role, s[i+1].Name
		}
		rows = append(rows, row[:4])
	}
	p.table(cols(col("", 20, "L"), col("签字", 30, "L"), col("", 20, "L"), col("签字", 30, "L")), rows,
		tableOpts{noHead: true, size: sizeBody, minRowH: 14, labels: []int{0, 2}})
}
