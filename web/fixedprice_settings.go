package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/trading"
)

// The administrator's page of the fixedprice.* settings.

func (s *Server) fpSettingsPage() settingsPage {
	return settingsPage{name: "fixedprice_settings", title: "固定价比选设置", path: "/admin/fixedprice/settings",
		fields: trading.FixedPriceSettingFields, extra: []string{"window_day_kind"},
		load: func(ctx context.Context) (map[string]string, error) {
			st, err := s.FixedPrice.Settings(ctx)
			if err != nil {
				return nil, err
			}
			return st.Values(), nil
		},
		save:   s.FixedPrice.SaveSettings,
		effect: "对此后登记、抽取和确认的比选项目生效"}
}

func (s *Server) fpSettings(c echo.Context) error {
	return s.showSettings(c, s.fpSettingsPage(), http.StatusOK, nil, nil)
}

func (s *Server) fpSettingsSave(c echo.Context) error {
	return s.saveSettings(c, s.fpSettingsPage())
}
