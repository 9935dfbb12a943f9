package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

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
	if !utf8.Valid(b) {
		return problem.New(problem.Invalid, "body_not_utf8", "请求内容不是有效的 UTF-8 文本")
	}
	if err := json.Unmarshal(b, i); err != nil {
		// As Echo's serializer answers: a 400 that carries the decoder's
		// error, which toProblem names (field_type, request_malformed).
		return echo.NewHTTPError(http.StatusBadRequest, "malformed JSON").SetInternal(err)
	}
	if path, ok := controlText(reflect.ValueOf(i), ""); ok {
		if path == "" {
			path = "body"
		}
		return problem.InvalidField(path, "control_character", "不能包含控制字符（制表、换行、回车以外）")
	}
	return nil
}

// controlText finds the first text in v holding a control character other
// than tab, line feed and carriage return, and returns its JSON path
// ("lots[0].name", "details.site").
func controlText(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return controlText(v.Elem(), path)
		}
	case reflect.String:
		if hasControl(v.String()) {
			return path, true
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
			if p, ok := controlText(v.Field(i), joinPath(path, name)); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // bytes (base64 in JSON), not text
		}
		for i := 0; i < v.Len(); i++ {
			if p, ok := controlText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key().Interface())
			if hasControl(k) {
				return joinPath(path, strings.Map(visibleControl, k)), true
			}
			if p, ok := controlText(it.Value(), joinPath(path, k)); ok {
				return p, true
			}
		}
	}
	return "", false
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

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return true
		}
	}
	return false
}

// visibleControl shows a control character of a map key as "?" in a path.
func visibleControl(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return '?'
	}
	return r
}
