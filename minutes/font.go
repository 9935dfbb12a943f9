package minutes

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The documents are set in Noto Sans SC Regular (SIL Open Font License 1.1,
// fonts/OFL.txt), the static 400 instance shipped by the npm package
// @expo-google-fonts/noto-sans-sc 0.4.3: a TrueType (glyf) font, which the
// fpdf UTF-8 font code can parse and subset. Only the glyphs a document uses
// are embedded in it.
//
//go:embed fonts/NotoSansSC_400Regular.ttf
var fontRegular []byte

// fontFamily is the name the font is registered under in each document.
const fontFamily = "notosanssc"

// MissingGlyphsError reports characters that the embedded font cannot draw.
// A document holding one is refused rather than printed with blanks: a
// name in an official record must not lose a character silently.
type MissingGlyphsError struct {
	Runes []rune // distinct, in ascending order
}

func (e *MissingGlyphsError) Error() string {
	var b strings.Builder
	for i, r := range e.Runes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q (U+%04X)", r, r)
	}
	return "minutes: the font has no glyph for " + b.String()
}

// Code is the stable error code for callers that map errors to responses.
func (e *MissingGlyphsError) Code() string { return "minutes_missing_glyph" }

// Covered reports whether the embedded font draws r. Control characters
// and anything outside the Basic Multilingual Plane (which the PDF library's
// font subsetter cannot address) are not covered.
func Covered(r rune) bool {
	if r < 0x20 || r > 0xFFFF || (r >= 0x7F && r < 0xA0) {
		return false
	}
	cm, err := fontCmap()
	if err != nil {
		return false
	}
	return cm.glyph(uint16(r)) != 0
}

// MissingGlyphs returns the distinct characters of s the font cannot draw,
// in ascending order; nil when all are covered. Callers may use it to check
// names when they are entered, long before a document is printed.
func MissingGlyphs(s string) []rune {
	var missing []rune
	for _, r := range s {
		if r == '\n' {
			continue
		}
		if !Covered(r) && !slices.Contains(missing, r) {
			missing = append(missing, r)
		}
	}
	slices.Sort(missing)
	return missing
}

// cmap4 is the font's (3,1) or (0,x) format 4 subtable: the Unicode BMP to
// glyph mapping the PDF library itself uses.
type cmap4 struct {
	end, start []uint16
	delta      []uint16
	rangeOff   []uint16
	roPos      int // offset in data of idRangeOffset[0]
	data       []byte
}

var fontCmap = sync.OnceValues(func() (*cmap4, error) { return parseCmap4(fontRegular) })

func parseCmap4(font []byte) (*cmap4, error) {
	be := binary.BigEndian
	if len(font) < 12 {
		return nil, errors.New("minutes: font too short")
	}
	n := int(be.Uint16(font[4:]))
	var cmapOff, cmapLen int
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(font) {
			return nil, errors.New("minutes: font table directory truncated")
		}
		if string(font[rec:rec+4]) == "cmap" {
			cmapOff, cmapLen = int(be.Uint32(font[rec+8:])), int(be.Uint32(font[rec+12:]))
		}
	}
	if cmapOff == 0 || cmapOff+cmapLen > len(font) {
		return nil, errors.New("minutes: font has no cmap table")
	}
	cm := font[cmapOff : cmapOff+cmapLen]
	if len(cm) < 4 {
		return nil, errors.New("minutes: cmap truncated")
	}
	for i := range int(be.Uint16(cm[2:])) {
		rec := 4 + 8*i
		if rec+8 > len(cm) {
			break
		}
		platform, encoding := be.Uint16(cm[rec:]), be.Uint16(cm[rec+2:])
		off := int(be.Uint32(cm[rec+4:]))
		if !(platform == 3 && encoding == 1) && platform != 0 {
			continue
		}
		if off+14 > len(cm) || be.Uint16(cm[off:]) != 4 {
			continue
		}
		sub := cm[off:]
		segs := int(be.Uint16(sub[6:])) / 2
		if 16+8*segs > len(sub) {
			return nil, errors.New("minutes: cmap format 4 truncated")
		}
		c := &cmap4{data: sub, roPos: 16 + 6*segs}
		read := func(at int) []uint16 {
			v := make([]uint16, segs)
			for j := range v {
				v[j] = be.Uint16(sub[at+2*j:])
			}
			return v
		}
		c.end = read(14)
		c.start = read(16 + 2*segs)
		c.delta = read(16 + 4*segs)
		c.rangeOff = read(16 + 6*segs)
		return c, nil
	}
	return nil, errors.New("minutes: font has no Unicode format 4 cmap")
}

// glyph returns the glyph id of r, 0 (.notdef) when the font lacks it.
func (c *cmap4) glyph(r uint16) uint16 {
	i, _ := slices.BinarySearch(c.end, r) // first segment whose end ≥ r
	if i >= len(c.end) || c.start[i] > r {
		return 0
	}
	if c.rangeOff[i] == 0 {
		return r + c.delta[i]
	}
	at := c.roPos + 2*i + int(c.rangeOff[i]) + 2*int(r-c.start[i])
	if at+2 > len(c.data) {
		return 0
	}
	g := binary.BigEndian.Uint16(c.data[at:])
	if g == 0 {
		return 0
	}
	return g + c.delta[i]
}

// Unprintable returns the characters of s the documents cannot print, as a
// string for an error message ("" when every character is covered). Forms
// whose values end up in the minutes (organisation, person and project
// names) check them when they are entered, so that no document can fail to
// be issued later.
func Unprintable(s string) string { return string(MissingGlyphs(s)) }
