package minutes

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"ggzy/clock"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW        = 210.0
	pageH        = 297.0
	marginX      = 18.0
	marginTop    = 20.0 // where the body starts; the running header sits above
	marginBottom = 20.0 // the footer sits below
	bodyW        = pageW - 2*marginX
	bodyBottom   = pageH - marginBottom

	sizeBody  = 10.0 // pt
	sizeSmall = 8.5
	sizeTable = 9.0
	cellPadX  = 1.2
	cellPadY  = 1.0
)

// pageAlias is replaced by the page count when the PDF is written.
const pageAlias = "{nb}"

// pdf is a document being laid out. fpdf's own line breaking (MultiCell)
// drops a Han character where it breaks a line and its automatic page
// breaks cannot repeat table headers, so both are done here: text is
// wrapped by measuring rune by rune and drawn one line at a time with
// CellFormat; automatic page breaks are off.
type pdf struct {
	f      *fpdf.Fpdf
	runes  map[rune]struct{} // every character drawn, for the glyph check
	widths map[rune]int      // advance widths in 1/1000 em
	size   float64           // current font size in pt
}

// newPDF starts a document. created fixes the creation and modification
// dates (so equal input gives equal bytes); header is the running header
// printed on every page, e.g. "评标报告 · 项目编号 GC-2026-001".
func newPDF(title, header string, created time.Time) *pdf {
	f := fpdf.New("P", "mm", "A4", "")
	p := &pdf{f: f, runes: map[rune]struct{}{}, widths: map[rune]int{}}
	t := created.In(clock.Shanghai).Truncate(time.Second)
	f.SetCreationDate(t)
	f.SetModificationDate(t)
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetProducer("ggzy minutes", true)
	f.SetCreator("ggzy minutes", true)
	f.SetTitle(title, true)
	f.SetLang("zh-CN")
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(marginX, marginTop, marginX)
	f.AliasNbPages(pageAlias)
	f.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	p.setSize(sizeBody)
	p.note(title)
	p.note(header)
	f.SetHeaderFunc(func() {
		saved := p.size
		p.setSize(sizeSmall)
		f.SetTextColor(110, 110, 110)
		f.SetXY(marginX, 10)
		f.CellFormat(bodyW, 5, header, "", 0, "L", false, 0, "")
		f.SetDrawColor(160, 160, 160)
		f.SetLineWidth(0.2)
		f.Line(marginX, 15.5, pageW-marginX, 15.5)
		f.SetTextColor(0, 0, 0)
		f.SetDrawColor(0, 0, 0)
		p.setSize(saved)
	})
	f.SetFooterFunc(func() {
		saved := p.size
		p.setSize(sizeSmall)
		f.SetXY(marginX, pageH-13)
		s := fmt.Sprintf("第 %d 页 共 %s 页", f.PageNo(), pageAlias)
		f.CellFormat(bodyW, 5, s, "", 0, "C", false, 0, "")
		p.setSize(saved)
	})
	p.note("第 页 共 0123456789")
	p.newPage()
	return p
}

// finish checks the glyphs and writes the PDF to w in one piece.
func (p *pdf) finish(w io.Writer) error {
	if err := p.f.Error(); err != nil {
		return fmt.Errorf("minutes: lay out: %w", err)
	}
	var missing []rune
	for _, r := range slices.Sorted(maps.Keys(p.runes)) {
		if !Covered(r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return &MissingGlyphsError{Runes: missing}
	}
	var buf bytes.Buffer
	if err := p.f.Output(&buf); err != nil {
		return fmt.Errorf("minutes: write pdf: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (p *pdf) setSize(pt float64) {
	p.size = pt
	p.f.SetFont(fontFamily, "", pt)
}

// note records the characters of s for the glyph check.
func (p *pdf) note(s string) {
	for _, r := range s {
		p.runes[r] = struct{}{}
	}
}

// lineH is the line height in mm for the current size.
func (p *pdf) lineH() float64 { return p.size * 25.4 / 72 * 1.42 }

func (p *pdf) newPage() {
	p.f.AddPage()
	p.f.SetXY(marginX, marginTop)
}

func (p *pdf) y() float64 { return p.f.GetY() }

// ensure starts a new page unless h mm still fit on this one.
func (p *pdf) ensure(h float64) {
	if p.y()+h > bodyBottom {
		p.newPage()
	}
}

func (p *pdf) space(h float64) {
	if p.y()+h > bodyBottom {
		p.newPage()
		return
	}
	p.f.SetY(p.y() + h)
}

// runeW is the advance width of r in mm at the current size.
func (p *pdf) runeW(r rune) float64 {
	u, ok := p.widths[r]
	if !ok {
		u = p.f.GetStringSymbolWidth(string(r))
		p.widths[r] = u
	}
	return float64(u) * p.size * 25.4 / 72 / 1000
}

func (p *pdf) textW(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += p.runeW(r)
	}
	return w
}

// text draws one already-wrapped line in a box of width w at (x, y).
func (p *pdf) text(x, y, w float64, s, align string) {
	p.note(s)
	p.f.SetXY(x, y)
	p.f.CellFormat(w, p.lineH(), s, "", 0, align, false, 0, "")
}

// bold draws fn's text filled and stroked, a faux bold: the embedded font
// has one weight (a second would add 10 MB to the binary).
func (p *pdf) bold(fn func()) {
	p.f.SetLineWidth(p.size * 0.012)
	p.f.SetTextRenderingMode(2)
	fn()
	p.f.SetTextRenderingMode(0)
	p.f.SetLineWidth(0.2)
}

// Characters that may not start a line (避头) and may not end one (避尾).
const (
	noStart = "，。、；：？！）」》』】〕〉〗”’…％·—,.;:?!)]}%"
	noEnd   = "（「《『【〔〈〖“‘([{"
)

// wrap breaks s into lines no wider than w mm at the current size. Han
// characters break anywhere, runs of Latin letters and digits only at
// spaces unless a run alone is wider than the line; a closing punctuation
// mark never starts a line (the character before it moves down with it)
// and an opening one never ends a line. "\n" starts a new line. No
// character other than spaces at a break is ever dropped.
func (p *pdf) wrap(s string, w float64) []string {
	var out []string
	for para := range strings.SplitSeq(s, "\n") {
		out = append(out, p.wrapPara(para, w)...)
	}
	return out
}

// token is a unit of line breaking: one Han character or punctuation
// mark, a run of spaces, or a run of other characters (a Latin word, a
// number such as "1,234.00").
type token struct {
	s     string
	w     float64
	space bool
}

func (p *pdf) tokens(s string) []token {
	var toks []token
	var word strings.Builder
	var wordW float64
	flush := func() {
		if word.Len() > 0 {
			toks = append(toks, token{s: word.String(), w: wordW})
			word.Reset()
			wordW = 0
		}
	}
	for _, r := range s {
		switch {
		case r == '\r':
			continue // "\r\n" line ends from pasted text
		case r == ' ' || r == '\t':
			flush()
			if n := len(toks); n > 0 && toks[n-1].space {
				continue // a run of spaces counts as one
			}
			toks = append(toks, token{s: " ", w: p.runeW(' '), space: true})
		case r < 0x2000: // Latin, digits and ASCII punctuation stay together
			word.WriteRune(r)
			wordW += p.runeW(r)
		default:
			flush()
			toks = append(toks, token{s: string(r), w: p.runeW(r)})
		}
	}
	flush()
	return toks
}

func (p *pdf) wrapPara(s string, w float64) []string {
	toks := p.tokens(s)
	var lines []string
	var line []token
	lineW := 0.0
	emit := func() {
		for len(line) > 0 && line[len(line)-1].space {
			line = line[:len(line)-1]
		}
		var b strings.Builder
		for _, t := range line {
			b.WriteString(t.s)
		}
		lines = append(lines, b.String())
		line, lineW = nil, 0
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if lineW+t.w <= w+1e-9 {
			if t.space && len(line) == 0 && len(lines) > 0 {
				continue // no leading space on a continuation line
			}
			line = append(line, t)
			lineW += t.w
			continue
		}
		if t.space {
			emit()
			continue
		}
		if len(line) == 0 || (t.w > w && !strings.ContainsRune(noStart, []rune(t.s)[0])) {
			// A word wider than a line: fill this line and go on by runes.
			head, rest := p.splitWidth(t.s, w-lineW)
			if head == "" && len(line) == 0 {
				head, rest = string([]rune(t.s)[:1]), string([]rune(t.s)[1:])
			}
			if head != "" {
				line = append(line, token{s: head, w: p.textW(head)})
			}
			emit()
			if rest != "" {
				toks[i] = token{s: rest, w: p.textW(rest)}
				i--
			}
			continue
		}
		// Break before t. Keep 避头尾: pull the last token down with a
		// closing mark, and never leave an opening mark at the end.
		keep, carry := line, []token(nil)
		if strings.ContainsRune(noStart, []rune(t.s)[0]) && countText(keep) > 1 {
			carry = []token{keep[len(keep)-1]}
			keep = keep[:len(keep)-1]
		}
		for countText(keep) > 1 && strings.ContainsRune(noEnd, []rune(keep[len(keep)-1].s)[0]) {
			carry = append([]token{keep[len(keep)-1]}, carry...)
			keep = keep[:len(keep)-1]
		}
		carryW := 0.0
		for _, c := range carry {
			carryW += c.w
		}
		if carryW+t.w > w {
			// No room on the next line either (a very narrow column):
			// give up 避头尾 rather than overflow.
			keep, carry, carryW = line, nil, 0
		}
		line = keep
		emit()
		line, lineW = carry, carryW
		i-- // place t again, on the new line
	}
	if len(line) > 0 || len(lines) == 0 {
		emit()
	}
	return lines
}

func countText(line []token) int {
	n := 0
	for _, t := range line {
		if !t.space {
			n++
		}
	}
	return n
}

// splitWidth returns the longest prefix of s no wider than w, and the rest.
func (p *pdf) splitWidth(s string, w float64) (string, string) {
	acc := 0.0
	for i, r := range s {
		acc += p.runeW(r)
		if acc > w+1e-9 {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

// title draws the document title, centred.
func (p *pdf) title(s string) {
	p.setSize(18)
	lh := p.lineH()
	for _, line := range p.wrap(s, bodyW) {
		p.bold(func() { p.text(marginX, p.y(), bodyW, line, "C") })
		p.f.SetY(p.y() + lh)
	}
	p.setSize(sizeBody)
	p.f.SetY(p.y() + 3)
}

// heading draws a section heading, starting a new page rather than leaving
// it alone at the bottom of one.
func (p *pdf) heading(s string) {
	p.space(2.5)
	p.setSize(12)
	lines := p.wrap(s, bodyW)
	p.ensure(float64(len(lines))*p.lineH() + 35)
	for _, line := range lines {
		p.bold(func() { p.text(marginX, p.y(), bodyW, line, "L") })
		p.f.SetY(p.y() + p.lineH())
	}
	p.setSize(sizeBody)
	p.f.SetY(p.y() + 1)
}

// para draws wrapped text across the body width.
func (p *pdf) para(s string) { p.paraAt(marginX, bodyW, s, "L") }

func (p *pdf) paraAt(x, w float64, s, align string) {
	lh := p.lineH()
	for _, line := range p.wrap(s, w) {
		p.ensure(lh)
		p.text(x, p.y(), w, line, align)
		p.f.SetY(p.y() + lh)
	}
}

// column of a table: title, width in mm, alignment ("L", "C", "R").
type column struct {
	title string
	w     float64
	align string
}

// col is a column whose width is a share of the table (see cols).
func col(title string, share float64, align string) column {
	return column{title: title, w: share, align: align}
}

// cols scales the columns' shares so that together they span the body.
func cols(cs ...column) []column {
	total := 0.0
	for _, c := range cs {
		total += c.w
	}
	out := make([]column, len(cs))
	for i, c := range cs {
		c.w = c.w / total * bodyW
		out[i] = c
	}
	return out
}

// tableOpts tune a table.
type tableOpts struct {
	size    float64 // font size; sizeTable when 0
	minRowH float64 // e.g. room for a handwritten signature
	noHead  bool
	labels  []int // columns shaded like a header and left-aligned: field labels
}

// table draws rows under a header that is repeated on every page the table
// runs onto. Cells wrap; a row is as tall as its tallest cell and moves to
// the next page whole unless it is taller than a page, when it is split.
func (p *pdf) table(cs []column, rows [][]string, o tableOpts) {
	size := o.size
	if size == 0 {
		size = sizeTable
	}
	saved := p.size
	p.setSize(size)
	defer p.setSize(saved)
	lh := p.lineH()

	layout := func(cells []string) ([][]string, float64) {
		lines := make([][]string, len(cs))
		n := 1
		for i, c := range cs {
			s := ""
			if i < len(cells) {
				s = cells[i]
			}
			lines[i] = p.wrap(s, c.w-2*cellPadX)
			n = max(n, len(lines[i]))
		}
		return lines, float64(n)*lh + 2*cellPadY
	}
	var head [][]string
	headH := 0.0
	if !o.noHead {
		titles := make([]string, len(cs))
		for i, c := range cs {
			titles[i] = c.title
		}
		head, headH = layout(titles)
	}
	drawHead := func() {
		if head != nil {
			p.drawRow(cs, head, headH, lh, nil, true)
		}
	}
	first := true
	for i, r := range rows {
		lines, h := layout(r)
		h = max(h, o.minRowH)
		if first {
			// Keep the header with its first rows (up to three).
			keep := h
			for _, next := range rows[i+1 : min(i+3, len(rows))] {
				_, nh := layout(next)
				keep += max(nh, o.minRowH)
			}
			p.ensure(min(headH+keep, bodyBottom-marginTop))
			drawHead()
			first = false
		}
		if p.y()+h <= bodyBottom {
			p.drawRow(cs, lines, h, lh, o.labels, false)
			continue
		}
		if h <= bodyBottom-marginTop-headH {
			p.newPage()
			drawHead()
			p.drawRow(cs, lines, h, lh, o.labels, false)
			continue
		}
		// Taller than a page: split it line by line.
		for rest := lines; ; {
			fit := int((bodyBottom - p.y() - 2*cellPadY) / lh)
			if fit < 1 {
				p.newPage()
				drawHead()
				continue
			}
			part := make([][]string, len(rest))
			next := make([][]string, len(rest))
			more := false
			for i, ls := range rest {
				k := min(fit, len(ls))
				part[i], next[i] = ls[:k], ls[k:]
				more = more || len(next[i]) > 0
			}
			n := 0
			for _, ls := range part {
				n = max(n, len(ls))
			}
			p.drawRow(cs, part, float64(n)*lh+2*cellPadY, lh, o.labels, false)
			if !more {
				break
			}
			rest = next
			p.newPage()
			drawHead()
		}
	}
	if first && head != nil { // no rows: the header alone, then "无"
		p.ensure(headH + lh + 2*cellPadY)
		drawHead()
		empty := make([]string, len(cs))
		empty[0] = "无"
		lines, h := layout(empty)
		p.drawRow(cs, lines, h, lh, nil, false)
	}
}

// drawRow draws one row of cells at the current y and moves below it. A
// header row is shaded and centred; label columns are shaded.
func (p *pdf) drawRow(cs []column, lines [][]string, h, lh float64, labels []int, isHead bool) {
	x, y := marginX, p.y()
	p.f.SetLineWidth(0.2)
	for i, c := range cs {
		label := slices.Contains(labels, i)
		style := "D"
		if isHead || label {
			p.f.SetFillColor(236, 236, 236)
			style = "FD"
		}
		p.f.Rect(x, y, c.w, h, style)
		ls := lines[i]
		ty := y + (h-float64(len(ls))*lh)/2 // centred vertically
		align := c.align
		if isHead {
			align = "C"
		}
		for _, line := range ls {
			p.text(x+cellPadX, ty, c.w-2*cellPadX, line, align)
			ty += lh
		}
		x += c.w
	}
	p.f.SetXY(marginX, y+h)
}

// fields draws label/value pairs, two pairs a row, as a bordered grid.
// A value marked wide (label ending in "*") takes a whole row.
func (p *pdf) fields(kv [][2]string) {
	cs := cols(col("", 17, "L"), col("", 33, "L"), col("", 17, "L"), col("", 33, "L"))
	wide := []column{cs[0], {w: cs[1].w + cs[2].w + cs[3].w, align: "L"}}
	var pending []string
	flush := func() {
		switch len(pending) {
		case 2: // a lone pair spans the row
			p.table(wide, [][]string{pending}, tableOpts{noHead: true, size: sizeBody, labels: []int{0}, minRowH: 8})
		case 4:
			p.table(cs, [][]string{pending}, tableOpts{noHead: true, size: sizeBody, labels: []int{0, 2}, minRowH: 8})
		}
		pending = nil
	}
	for _, f := range kv {
		label, value := f[0], f[1]
		if strings.HasSuffix(label, "*") || p.textWAt(value, sizeBody) > cs[1].w-2*cellPadX {
			flush()
			p.table(wide, [][]string{{strings.TrimSuffix(label, "*"), value}}, tableOpts{noHead: true, size: sizeBody, labels: []int{0}, minRowH: 8})
			continue
		}
		pending = append(pending, label, value)
		if len(pending) == 4 {
			flush()
		}
	}
	flush()
}

func (p *pdf) textWAt(s string, size float64) float64 {
	saved := p.size
	p.setSize(size)
	w := p.textW(s)
	p.setSize(saved)
	return w
}
