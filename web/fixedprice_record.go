package web

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// fpRecordPDF is the 抽取记录 of a selection's draw as PDF, next to the
// record page and public like it.
func (s *Server) fpRecordPDF(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.FixedPrice.DrawRecord(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return renderPDF(c, "fixedprice-draw-"+strconv.FormatInt(id, 10)+".pdf", rec)
}
