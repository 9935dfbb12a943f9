package web

// Checks of what users send, before any handler reads it: JSON bodies
// (strictJSON), query parameters and url-encoded forms (formText), dates
// (parseUserDate).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/minutes"
	"ggzy/problem"
)

// strictJSON is Echo's JSON serializer with what bad input needs checked:
// the body must be one JSON value (encoding/json's decoder stops after the
// first and ignores what follows, so `{}{}` or `{} xyz` passed), in valid
// UTF-8 (encoding/json turns invalid bytes into U+FFFD without a word), and
// no text in it may hold a control character other than tab, line feed and
// carriage return (a NUL or a bell in a project's owner or a deposit
// reference would be stored and printed in the minutes). Bodies are small:
// the body limit middleware caps them before this reads them whole.
type strictJSON struct{ echo.DefaultJSONSerializer }

func (strictJSON) Deserialize(c echo.Context, i any) error {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413, or a broken connection
	}
	if !utf8.Valid(b) || loneSurrogate(b) {
		return problem.New(problem.Invalid, "body_not_utf8", "请求内容不是有效的 UTF-8 文本")
	}
	if err := json.Unmarshal(b, i); err != nil {
		// As Echo's serializer answers: a 400 that carries the decoder's
		// error, which toProblem names (field_type, request_malformed).
		return echo.NewHTTPError(http.StatusBadRequest, "malformed JSON").SetInternal(err)
	}
	if path, text, ok := controlText(reflect.ValueOf(i), ""); ok {
		if path == "" {
			path = "body"
		}
		return textProblem(path, text)
	}
	return nil
}

// loneSurrogate reports a \u escape in a JSON string that is half of a
// UTF-16 surrogate pair without its other half ("\ud800"), which
// encoding/json would silently store as U+FFFD. Malformed JSON otherwise
// is left to the decoder.
func loneSurrogate(b []byte) bool {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range b[i+2 : i+6] {
			switch {
			case c >= '0' && c <= '9':
				r = r<<4 | rune(c-'0')
			case c >= 'a' && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case c >= 'A' && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			r, ok := hex4(i)
			switch {
			case !ok:
				i++ // another escape: skip the escaped byte
			case r >= 0xDC00 && r <= 0xDFFF:
				return true // a low half first
			case r >= 0xD800 && r <= 0xDBFF:
				if lo, ok := hex4(i + 6); !ok || lo < 0xDC00 || lo > 0xDFFF {
					return true
				}
				i += 11
			default:
				i += 5
			}
		}
	}
	return false
}

// textProblem is the refusal of text v at field: a control character, or
// a character the documents cannot print.
func textProblem(field, v string) error {
	if hasControl(v) {
		return problem.InvalidField(field, "control_character", "不能包含控制字符（制表、换行、回车以外）或改变文字方向的字符")
	}
	return problem.InvalidField(field, "unprintable_chars", "含有交易文书字库无法打印的字符“"+unprintable(v)+"”（表情符号、不可见字符或扩展区生僻字），请改用常用字")
}

// unprintable returns the characters of s that the documents' font cannot
// draw — emoji, invisible and format characters (U+200B, U+FEFF, U+2028),
// private-use and supplementary-plane characters — other than tab, line
// feed and carriage return. Any text may end up in a document (minutes,
// records, the archive's exports), and a document that cannot be printed
// blocks its step (minutes.MissingGlyphsError), so text is refused when it
// is entered.
func unprintable(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return "" // printable ASCII is covered; controls are hasControl's
	}
	var bad []rune
	for _, r := range minutes.MissingGlyphs(s) {
		if r != '\t' && r != '\r' && r >= 0x20 {
			bad = append(bad, r)
		}
	}
	return string(bad)
}

// secretField reports a field holding a password, which is never printed
// and may hold any character.
func secretField(name string) bool {
	return strings.Contains(strings.ToLower(name), "password")
}

// controlText finds the first text in v holding a control character other
// than tab, line feed and carriage return, or a character the documents
// cannot print (unprintable; but in password fields), and returns its JSON
// path ("lots[0].name", "details.site") and the text.
func controlText(v reflect.Value, path string) (string, string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return controlText(v.Elem(), path)
		}
	case reflect.String:
		if t := v.String(); hasControl(t) || (unprintable(t) != "" && !secretField(path)) {
			return path, t, true
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				name = "" // embedded: its fields are the parent's
			}
			if p, text, ok := controlText(v.Field(i), joinPath(path, name)); ok {
				return p, text, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", "", false // bytes (base64 in JSON), not text
		}
		for i := 0; i < v.Len(); i++ {
			if p, text, ok := controlText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, text, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key().Interface())
			if hasControl(k) {
				return joinPath(path, strings.Map(visibleControl, k)), k, true
			}
			if p, text, ok := controlText(it.Value(), joinPath(path, k)); ok {
				return p, text, true
			}
		}
	}
	return "", "", false
}

func joinPath(path, name string) string {
	switch {
	case name == "":
		return path
	case path == "":
		return name
	}
	return path + "." + name
}

// hasControl reports a control character in s other than tab, line feed
// and carriage return: C0, DEL, C1 (text mis-decoded from Windows-1252),
// and the bidirectional embeddings, overrides, isolates and marks
// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), with which a
// title or a name displays as other text.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return true
		}
		if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				if (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c ||
					(r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
					return true
				}
			}
			return false
		}
	}
	return false
}

// visibleControl shows a control character of a map key as "?" in a path.
func visibleControl(r rune) rune {
	if hasControl(string(r)) {
		return '?'
	}
	return r
}

// formText refuses query parameters and url-encoded form fields that are
// not UTF-8 or hold control characters other than tab, line feed and
// carriage return — what strictJSON refuses in JSON bodies. (A form field
// in another encoding would reach MariaDB's utf8mb4 columns and fail
// there, as a 500.) Multipart forms are checked the same way, except those
// whose handlers read the body themselves (bid files stream, imports are
// parsed by their readers: readsOwnBody); XML bodies are refused. Text that
// the documents cannot print is refused too (unprintable), but in password
// fields.
func (s *Server) formText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.RawQuery != "" {
			// A pair that cannot be decoded ("%zz", a bare "%") is dropped
			// by the parser: a filter would then be ignored silently and
			// the unfiltered list shown as if filtered.
			if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
				return problem.New(problem.Invalid, "request_malformed", "请求地址中的参数格式有误")
			}
			if err := checkValues(c.QueryParams()); err != nil {
				return err
			}
		}
		ctype := r.Header.Get(echo.HeaderContentType)
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			switch {
			case strings.HasPrefix(ctype, echo.MIMEApplicationForm):
				if err := r.ParseForm(); err != nil {
					var he *echo.HTTPError
					if errors.As(err, &he) {
						return he // the body limit's 413
					}
					// A body that is not url-encoded ("99%" typed into a
					// form a script posts raw) is the client's error.
					return problem.New(problem.Invalid, "request_malformed", "请求内容格式有误")
				}
				if err := checkValues(r.PostForm); err != nil {
					return err
				}
			case strings.HasPrefix(ctype, echo.MIMEMultipartForm) && !readsOwnBody(c):
				// Parsed once here (the handler's FormValue and Bind reuse
				// it); files beyond 32 MB of memory go to temporary files.
				if err := r.ParseMultipartForm(32 << 20); err != nil {
					var he *echo.HTTPError
					if errors.As(err, &he) {
						return he // the body limit's 413
					}
					return problem.New(problem.Invalid, "request_malformed", "请求内容格式有误")
				}
				if err := checkValues(r.MultipartForm.Value); err != nil {
					return err
				}
			case strings.HasPrefix(ctype, echo.MIMEApplicationXML) || strings.HasPrefix(ctype, echo.MIMETextXML):
				// Echo would bind XML past the JSON checks; nothing here
				// speaks XML.
				return echo.NewHTTPError(http.StatusUnsupportedMediaType)
			}
		}
		return next(c)
	}
}

func checkValues(vs map[string][]string) error {
	for k, list := range vs {
		name := strings.Map(visibleControl, strings.ToValidUTF8(k, "?"))
		for _, v := range append([]string{k}, list...) {
			switch {
			case !utf8.ValidString(v):
				return problem.InvalidField(name, "text_not_utf8", "内容不是有效的 UTF-8 文本")
			case hasControl(v):
				return problem.InvalidField(name, "control_character", "不能包含控制字符（制表、换行、回车以外）或改变文字方向的字符")
			case !secretField(k) && unprintable(v) != "":
				return textProblem(name, v)
			}
		}
	}
	return nil
}

// readsOwnBody reports the routes that read their (multipart) bodies
// themselves: sealed bid uploads and expert imports.
func readsOwnBody(c echo.Context) bool { return isStreaming(c) }

// parseUserDate reads a date entered by a user (年-月-日) within the years
// times may take (clock.MinYear … MaxYear): year 1 in Beijing is year 0 in
// UTC, which the database refuses.
func parseUserDate(s string) (calendar.Date, error) {
	d, err := calendar.ParseDate(s)
	if err != nil {
		return d, err
	}
	if d.Year < clock.MinYear || d.Year > clock.MaxYear {
		return d, problem.New(problem.Invalid, "date_out_of_range", fmt.Sprintf("日期超出范围，应在%d年至%d年之间", clock.MinYear, clock.MaxYear))
	}
	return d, nil
}
