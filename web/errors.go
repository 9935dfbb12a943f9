package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/db"
	"ggzy/problem"
)

// apiError is the JSON body of every error answer.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Fields    []problem.Field `json:"fields,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
}

var kindStatus = map[problem.Kind]int{
	problem.Invalid:         http.StatusBadRequest,
	problem.Unauthenticated: http.StatusUnauthorized,
	problem.Forbidden:       http.StatusForbidden,
	problem.NotFound:        http.StatusNotFound,
	problem.Conflict:        http.StatusConflict,
	problem.TooLarge:        http.StatusRequestEntityTooLarge,
	problem.TooMany:         http.StatusTooManyRequests,
	problem.Gone:            http.StatusConflict,
}

// toProblem turns any error into the problem shown to the user. Errors that
// are not problems become "internal" with a generic message.
func toProblem(err error) (*problem.Error, int) {
	if p, ok := problem.As(err); ok {
		st := kindStatus[p.Kind]
		if st == 0 {
			st = http.StatusBadRequest
		}
		return p, st
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return problem.New(problem.NotFound, "not_found", "页面或资源不存在"), he.Code
		case http.StatusMethodNotAllowed:
			return problem.New(problem.Invalid, "method_not_allowed", "不支持该请求方法"), he.Code
		case http.StatusRequestEntityTooLarge:
			return problem.New(problem.TooLarge, "body_too_large", "提交的内容超过大小限制"), he.Code
		case http.StatusServiceUnavailable:
			return problem.New(problem.Conflict, "timeout", "请求处理超时，请稍后再试"), he.Code
		case http.StatusUnsupportedMediaType:
			return problem.New(problem.Invalid, "unsupported_media_type", "不支持的内容类型"), he.Code
		case http.StatusBadRequest:
			p := problem.New(problem.Invalid, "request_malformed", "请求格式不正确")
			var te *json.UnmarshalTypeError
			if errors.As(he.Internal, &te) {
				p.Code = "field_type"
				p.Message = "字段类型不正确"
				name := te.Field
				if name == "" {
					name = "body"
				}
				p.Fields = []problem.Field{{Name: name, Code: "field_type", Message: "字段类型不正确，应为" + typeName(te.Type.Kind().String())}}
			}
			return p, he.Code
		}
		if he.Code >= 400 && he.Code < 500 {
			return problem.New(problem.Invalid, "bad_request", "请求无效"), he.Code
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return problem.New(problem.Conflict, "timeout", "请求处理超时，请稍后再试"), http.StatusServiceUnavailable
	}
	// The database's refusals that only input causes, where a handler did
	// not check first: never a 500. (Each was found by sending bad input to
	// every endpoint; the handlers check what they know of, this is the net.)
	switch db.Number(err) {
	case db.ErrDataTooLong, db.ErrOutOfRange:
		p := problem.New(problem.Invalid, "value_too_long", "输入的内容过长或数值超出范围")
		if col := db.ErrorColumn(err); col != "" {
			p.Fields = []problem.Field{{Name: col, Code: "value_too_long", Message: p.Message}}
		}
		return p, http.StatusBadRequest
	case db.ErrTruncatedValue, db.ErrCollationMix:
		return problem.New(problem.Invalid, "value_invalid", "输入包含不允许的字符或格式不正确"), http.StatusBadRequest
	}
	if db.IsRetryable(err) {
		// Still locked out after the transaction's retries: many requests
		// changed the same thing at once, and this one lost.
		p := problem.New(problem.Conflict, "busy", "同一事项正在被其他请求修改，请稍后重试")
		p.RetryAfterSeconds = 1
		return p, http.StatusConflict
	}
	return problem.New(0, "internal", "系统内部错误，请稍后再试"), http.StatusInternalServerError
}

func typeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "整数"
	case strings.HasPrefix(kind, "float"):
		return "数字"
	case kind == "string":
		return "文本"
	case kind == "bool":
		return "true/false"
	case kind == "struct", kind == "map":
		return "对象"
	case kind == "slice", kind == "array":
		return "数组"
	}
	return "其他类型"
}

func statusOf(err error) int {
	_, st := toProblem(err)
	return st
}

// handleError is the one error handler: JSON under /api (or when the client
// asks for JSON), an error page otherwise. Internal errors are logged with
// the request id and never shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p, status := toProblem(err)
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if status >= 500 {
		s.Log.ErrorContext(c.Request().Context(), "request failed", "id", rid, "method", c.Request().Method,
			"path", c.Request().URL.Path, "err", err.Error())
	} else if db.Number(err) != 0 {
		// Answered as bad input or contention, but a check is missing or
		// a lock order could be better: worth a look.
		s.Log.WarnContext(c.Request().Context(), "database refused a request", "id", rid, "method", c.Request().Method,
			"path", c.Request().URL.Path, "status", status, "err", err.Error())
	}
	if p.RetryAfterSeconds > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(p.RetryAfterSeconds))
	}
	if wantsJSON(c) {
		body := apiError{Error: apiErrorBody{Code: p.Code, Message: p.Message, Fields: p.Fields, RequestID: rid}}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, body)
		return
	}
	if status == http.StatusUnauthorized && c.Request().Method == http.MethodGet {
		_ = c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		return
	}
	data := map[string]any{"Status": status, "Problem": p, "RequestID": rid}
	if rerr := s.render(c, status, "error", "出错了", data); rerr != nil {
		s.Log.Error("render error page", "err", rerr)
		_ = c.String(status, p.Message)
	}
}

func wantsJSON(c echo.Context) bool {
	if isAPI(c) {
		return true
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return strings.Contains(accept, echo.MIMEApplicationJSON) && !strings.Contains(accept, echo.MIMETextHTML)
}

func urlEscape(s string) string { return url.QueryEscape(s) }

func itoa(n int) string { return strconv.Itoa(n) }
