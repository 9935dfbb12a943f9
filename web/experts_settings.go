package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/expertpool"
)

// The administrator's page of the expertpool.* settings.

func (s *Server) expertSettingsPage() settingsPage {
	return settingsPage{name: "experts_settings", title: "专家抽取设置", path: "/admin/experts/settings", fields: expertpool.SettingFields,
		load: func(ctx context.Context) (map[string]string, error) {
			st, err := s.Experts.Settings(ctx)
			if err != nil {
				return nil, err
			}
			return st.Values(), nil
		},
		save:   s.Experts.SaveSettings,
		effect: "对此后准备的抽取和发出的通知生效"}
}

func (s *Server) expertSettings(c echo.Context) error {
	return s.showSettings(c, s.expertSettingsPage(), http.StatusOK, nil, nil)
}

func (s *Server) expertSettingsSave(c echo.Context) error {
	return s.saveSettings(c, s.expertSettingsPage())
}
