package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ggzy/problem"
	"ggzy/schedule"
)

const (
	// terminalCookie carries a room terminal's device token (hall screens,
	// evaluation PCs); API clients send terminalHeader instead.
	terminalCookie = "terminal"
	terminalHeader = "X-Terminal-Token"
	ctxTerminal    = "terminal"
)

// terminalToken is the device token the request presents, if any.
func terminalToken(c echo.Context) string {
	if h := strings.TrimSpace(c.Request().Header.Get(terminalHeader)); h != "" {
		return h
	}
	if ck, err := c.Cookie(terminalCookie); err == nil {
		return ck.Value
	}
	return ""
}

// currentTerminal returns the registered terminal the request comes from, or nil.
func currentTerminal(c echo.Context) *schedule.Terminal {
	t, _ := c.Get(ctxTerminal).(*schedule.Terminal)
	return t
}

// staffOrTerminal lets through staff and requests from a registered room
// terminal (the hall screen shows the board without anyone logged in).
func (s *Server) staffOrTerminal(next echo.HandlerFunc) echo.HandlerFunc {
	staffOnly := requireRoles(staff)(next)
	return func(c echo.Context) error {
		if tok := terminalToken(c); tok != "" {
			t, err := s.Schedule.TerminalByToken(c.Request().Context(), tok)
			if err == nil {
				c.Set(ctxTerminal, t)
				return next(c)
			}
			if _, ok := problem.As(err); !ok {
				return err
			}
		}
		return staffOnly(c)
	}
}

// boardView is the hall screen.
type boardView struct {
	Rows     []schedule.BoardRow
	Now      time.Time
	Terminal *schedule.Terminal
	Refresh  int
}

func (s *Server) schedBoard(c echo.Context) error {
	rows, now, err := s.Schedule.Board(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "schedule_board", "场地状态", boardView{Rows: rows, Now: now, Terminal: currentTerminal(c), Refresh: 30})
}

type apiBoardBooking struct {
	ID        int64     `json:"id"`
	EventKind string    `json:"event_kind"`
	Title     string    `json:"title,omitempty"`
	ProjectID int64     `json:"project_id,omitempty"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
}

// boardBooking hides what a hall screen must not show: the project of an
// evaluation, negotiation or draw.
func boardBooking(b *schedule.Booking, full bool) *apiBoardBooking {
	if b == nil {
		return nil
	}
	out := &apiBoardBooking{ID: b.ID, EventKind: b.EventKind, StartsAt: b.StartsAt, EndsAt: b.EndsAt}
	if full || b.Public() {
		out.Title, out.ProjectID = b.Title, b.ProjectID
	}
	return out
}

func (s *Server) apiBoard(c echo.Context) error {
	rows, now, err := s.Schedule.Board(c.Request().Context())
	if err != nil {
		return err
	}
	full := currentUser(c) != nil
	type row struct {
		Room   apiRoom          `json:"room"`
		Status string           `json:"status"`
		Now    *apiBoardBooking `json:"now"`
		Next   *apiBoardBooking `json:"next"`
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{Room: toAPIRoom(r.Room), Status: r.Status(), Now: boardBooking(r.Now, full), Next: boardBooking(r.Next, full)}
	}
	return c.JSON(http.StatusOK, map[string]any{"at": now, "rooms": out})
}

func (s *Server) schedDevicePage(c echo.Context) error {
	var t *schedule.Terminal
	if tok := terminalToken(c); tok != "" {
		t, _ = s.Schedule.TerminalByToken(c.Request().Context(), tok)
	}
	return s.render(c, http.StatusOK, "schedule_device", "场地终端启用", map[string]any{"Terminal": t})
}

type deviceForm struct {
	Token string `form:"token"`
}

// schedDeviceActivate stores a terminal's device token in a long-lived
// cookie on this device, after checking it.
func (s *Server) schedDeviceActivate(c echo.Context) error {
	var f deviceForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	tok := strings.TrimSpace(f.Token)
	t, err := s.Schedule.TerminalByToken(c.Request().Context(), tok)
	if err != nil {
		if pr, ok := problem.As(err); ok {
			p := &Page{Title: "场地终端启用", Data: map[string]any{"Terminal": nil}}
			return s.formError(c, problem.InvalidField("token", pr.Code, pr.Message), "schedule_device", p)
		}
		return err
	}
	c.SetCookie(&http.Cookie{Name: terminalCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: 400 * 24 * 3600})
	return s.redirectFlash(c, "/schedule/board", "本设备已启用为 "+t.RoomName+" · "+t.Name)
}
