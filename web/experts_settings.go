package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ggzy/expertpool"
)

// The administrator's page of the expertpool.* settings.

func (s *Server) expertSettingsPage(c echo.Context, status int, form map[string]string, err error) error {
	st, lerr := s.Experts.Settings(c.Request().Context())
	if lerr != nil {
		return lerr
	}
	cur := st.Values()
	if form == nil {
		form = cur
	}
	p := &Page{Title: "专家抽取设置", Form: form, Data: map[string]any{"Fields": expertpool.SettingFields, "Current": cur}}
	if err != nil {
		return s.formError(c, err, "experts_settings", p)
	}
	return s.renderPage(c, status, "experts_settings", p)
}

func (s *Server) expertSettings(c echo.Context) error {
	return s.expertSettingsPage(c, http.StatusOK, nil, nil)
}

func (s *Server) expertSettingsSave(c echo.Context) error {
	form := map[string]string{}
	for _, f := range expertpool.SettingFields {
		form[f.Name] = c.FormValue(f.Name)
	}
	n, err := s.Experts.SaveSettings(c.Request().Context(), form)
	if err != nil {
		return s.expertSettingsPage(c, http.StatusBadRequest, form, err)
	}
	msg := "设置未变化"
	if n > 0 {
		msg = "已修改" + strconv.Itoa(n) + "项设置，对此后准备的抽取和发出的通知生效"
	}
	return s.redirectFlash(c, "/admin/experts/settings", msg)
}
