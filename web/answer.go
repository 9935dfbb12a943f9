package web

// Shapes that many handlers share: answering a path id with the object it
// names, answering an action with the object as it now stands, listing by a
// filter read from the query, and the field messages of a refused form.

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/problem"
)

// byPathID is what get returns for the path's id.
func byPathID[T any](c echo.Context, get func(context.Context, int64) (T, error)) (T, error) {
	id, err := pathID(c, "id")
	if err != nil {
		var none T
		return none, err
	}
	return get(c.Request().Context(), id)
}

// jsonByID answers with what get returns for the path's id.
func jsonByID[T any](c echo.Context, get func(context.Context, int64) (T, error)) error {
	v, err := byPathID(c, get)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// jsonFresh answers an action on id that ended with err: err itself, or the
// object as it now stands (get(id)) with status.
func jsonFresh[T any](c echo.Context, status int, id int64, err error, get func(context.Context, int64) (T, error)) error {
	if err != nil {
		return err
	}
	v, err := get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(status, v)
}

// listByQuery reads a filter from the query with parse and lists by it.
func listByQuery[F, T any](c echo.Context, parse func(echo.Context) (F, error), list func(context.Context, F) (T, error)) (F, T, error) {
	var none T
	f, err := parse(c)
	if err != nil {
		return f, none, err
	}
	v, err := list(c.Request().Context(), f)
	return f, v, err
}

// fieldErrors holds the first message of each of the problem's fields,
// named with prefix (a page with several forms tells them apart by it).
func fieldErrors(pr *problem.Error, prefix string) map[string]string {
	errs := map[string]string{}
	for _, f := range pr.Fields {
		if _, dup := errs[prefix+f.Name]; !dup {
			errs[prefix+f.Name] = f.Message
		}
	}
	return errs
}
