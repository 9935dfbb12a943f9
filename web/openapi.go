package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openapiDoc is the hand-maintained OpenAPI 3 description of /api. A test
// fails when a registered /api route is missing from it or it names a route
// that does not exist.
//
//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openapiDoc)
}
