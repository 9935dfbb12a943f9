package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ggzy/calendar"
	"ggzy/clock"
	"ggzy/problem"
)

type calendarForm struct {
	Date string `form:"date" json:"-"`
	To   string `form:"to" json:"to"` // optional: the last date of a run
	Kind string `form:"kind" json:"kind"`
	Name string `form:"name" json:"name"`
}

func (s *Server) calendarPageWith(c echo.Context, p *Page, err error) error {
	year, _ := strconv.Atoi(c.QueryParam("year"))
	if year < 2000 || year > 2100 {
		year = calendar.DateOf(s.Clock.Now(), clock.Shanghai).Year
	}
	days, lerr := s.Calendar.Days(c.Request().Context(), year)
	if lerr != nil {
		return lerr
	}
	missing, merr := s.calendarMissing(c.Request().Context())
	if merr != nil {
		return merr
	}
	p.Title = "工作日历"
	p.Data = map[string]any{"Year": year, "Days": days, "Years": []int{year - 1, year, year + 1}, "Missing": missing}
	if err != nil {
		return s.formError(c, err, "calendar", p)
	}
	return s.renderPage(c, http.StatusOK, "calendar", p)
}

func (s *Server) calendarPage(c echo.Context) error { return s.calendarPageWith(c, &Page{}, nil) }

func (s *Server) calendarSet(c echo.Context) error {
	var f calendarForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	if err := s.Calendar.SetDays(c.Request().Context(), f.Date, f.To, f.Kind, f.Name); err != nil {
		return s.calendarPageWith(c, &Page{Form: map[string]string{"date": f.Date, "to": f.To, "name": f.Name}}, err)
	}
	saved := f.Date
	if f.To != "" && f.To != f.Date {
		saved += " 至 " + f.To
	}
	return s.redirectFlash(c, "/admin/calendar?year="+f.Date[:min(4, len(f.Date))], "已保存 "+saved)
}

func (s *Server) calendarDelete(c echo.Context) error {
	if err := s.Calendar.DeleteDay(c.Request().Context(), c.FormValue("date")); err != nil {
		return err
	}
	return s.redirectFlash(c, "/admin/calendar", "已删除")
}

func (s *Server) apiCalendarDays(c echo.Context) error {
	year, err := strconv.Atoi(c.QueryParam("year"))
	if err != nil || year < 2000 || year > 2100 {
		return problem.InvalidField("year", "year_invalid", "年份不正确")
	}
	days, err := s.Calendar.Days(c.Request().Context(), year)
	if err != nil {
		return err
	}
	if days == nil {
		days = []calendar.Day{}
	}
	return c.JSON(http.StatusOK, map[string]any{"year": year, "days": days})
}

func (s *Server) apiCalendarSet(c echo.Context) error {
	var f calendarForm
	if err := c.Bind(&f); err != nil {
		return err
	}
	if err := s.Calendar.SetDays(c.Request().Context(), c.Param("date"), f.To, f.Kind, f.Name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiCalendarDelete(c echo.Context) error {
	if err := s.Calendar.DeleteDay(c.Request().Context(), c.Param("date")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiWorkingDays answers "which day is N days (日 or 工作日) after FROM".
func (s *Server) apiWorkingDays(c echo.Context) error {
	var f problem.Fields
	from, err := parseUserDate(c.QueryParam("from"))
	if err != nil {
		f.AddErr("from", err)
	}
	n, nerr := strconv.Atoi(c.QueryParam("days"))
	if nerr != nil || n < -3660 || n > 3660 {
		f.Add("days", "days_invalid", "天数须为-3660到3660之间的整数")
	}
	kind := calendar.WorkingDays
	switch c.QueryParam("kind") {
	case "", "working":
	case "calendar":
		kind = calendar.CalendarDays
	default:
		f.Add("kind", "day_count_unknown", "kind 只能是 working（工作日）或 calendar（日）")
	}
	if err := f.Err(); err != nil {
		return err
	}
	cal, err := s.Calendar.Calendar(c.Request().Context())
	if err != nil {
		return err
	}
	to := cal.AddDays(from, n, kind)
	if to.Year < clock.MinYear || to.Year > clock.MaxYear {
		return problem.InvalidField("days", "date_out_of_range", fmt.Sprintf("结果日期应在%d年至%d年之间", clock.MinYear, clock.MaxYear))
	}
	return c.JSON(http.StatusOK, map[string]any{"from": from.String(), "days": n, "kind": kind.String(), "date": to.String(), "is_working_day": cal.IsWorkingDay(to)})
}
