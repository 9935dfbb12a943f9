package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"ggzy/trading"
)

// The administrator's page of the fixedprice.* settings.

func (s *Server) fpSettingsPage(c echo.Context, status int, form map[string]string, err error) error {
	st, lerr := s.FixedPrice.Settings(c.Request().Context())
	if lerr != nil {
		return lerr
	}
	cur := st.Values()
	if form == nil {
		form = cur
	}
	p := &Page{Title: "固定价比选设置", Form: form, Data: map[string]any{"Fields": trading.FixedPriceSettingFields, "Current": cur}}
	if err != nil {
		return s.formError(c, err, "fixedprice_settings", p)
	}
	return s.renderPage(c, status, "fixedprice_settings", p)
}

func (s *Server) fpSettings(c echo.Context) error {
	return s.fpSettingsPage(c, http.StatusOK, nil, nil)
}

func (s *Server) fpSettingsSave(c echo.Context) error {
	form := map[string]string{"window_day_kind": c.FormValue("window_day_kind")}
	for _, f := range trading.FixedPriceSettingFields {
		form[f.Name] = c.FormValue(f.Name)
	}
	n, err := s.FixedPrice.SaveSettings(c.Request().Context(), form)
	if err != nil {
		return s.fpSettingsPage(c, http.StatusBadRequest, form, err)
	}
	msg := "设置未变化"
	if n > 0 {
		msg = "已修改" + strconv.Itoa(n) + "项设置，对此后登记、抽取和确认的比选项目生效"
	}
	return s.redirectFlash(c, "/admin/fixedprice/settings", msg)
}
