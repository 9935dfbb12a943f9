package web

import (
	"context"
	"strconv"

	"github.com/labstack/echo/v4"

	"ggzy/minutes"
)

// drawRecordPDF is the printed 抽取记录 of an expert draw, rendered from the
// archive as the caller may see it (names only for those DrawView shows
// them to).
func (s *Server) drawRecordPDF(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.Experts.DrawRecord(c.Request().Context(), id, s.drawProjectNames)
	if err != nil {
		return err
	}
	return renderPDF(c, "expert-draw-"+strconv.FormatInt(id, 10)+".pdf", rec)
}

// drawProjectNames names a draw's project and lot from the trading area,
// when it knows them and the caller may see the project.
func (s *Server) drawProjectNames(ctx context.Context, projectID, lotID int64) (minutes.Project, bool) {
	if s.Trading == nil {
		return minutes.Project{}, false
	}
	p, err := s.Trading.Project(ctx, projectID)
	if err != nil || p.Code == "" {
		return minutes.Project{}, false
	}
	out := minutes.Project{Name: p.Title, Code: p.Code, Tenderer: p.OwnerName}
	for _, l := range p.Lots {
		if l.ID == lotID {
			out.LotName = l.Name
		}
	}
	return out, true
}
