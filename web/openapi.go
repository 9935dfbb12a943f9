package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"
)

// The OpenAPI 3 description of /api is kept by hand, one fragment per area
// (openapi/NN-area.json, each with "paths" and "components"), merged in name
// order at start-up. A test fails when a registered /api route is missing
// from it or it names a route that does not exist.
//
//go:embed openapi/*.json
var openapiFS embed.FS

// OpenAPI merges the fragments into one document.
func OpenAPI() ([]byte, error) {
	names, err := fs.Glob(openapiFS, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	doc := map[string]any{}
	for _, n := range names {
		b, err := openapiFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var frag map[string]any
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("openapi fragment %s: %w", n, err)
		}
		if err := merge(doc, frag, n); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(doc, "", " ")
}

// merge copies src into dst, descending into objects; the same leaf in two
// fragments is an error.
func merge(dst, src map[string]any, origin string) error {
	for k, v := range src {
		sub, isMap := v.(map[string]any)
		cur, exists := dst[k]
		if !exists {
			dst[k] = v
			continue
		}
		curMap, curIsMap := cur.(map[string]any)
		if !isMap || !curIsMap {
			return fmt.Errorf("openapi fragment %s: %q defined twice", origin, k)
		}
		if err := merge(curMap, sub, origin); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.openapiDoc)
}
