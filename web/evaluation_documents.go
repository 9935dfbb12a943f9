package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/evaluation"
	"ggzy/minutes"
	"ggzy/problem"
)

// headerSHA256 carries the SHA-256 (hex) of a PDF answer: for an issued
// document, the value recorded with the project.
const headerSHA256 = "X-Content-SHA256"

// sendPDF answers a PDF as a download with its SHA-256.
func sendPDF(c echo.Context, filename, sha string, body []byte) error {
	h := c.Response().Header()
	h.Set(headerSHA256, sha)
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", body)
}

// renderPDF renders a document on request (draw records, which are printed
// from the archive as the viewer may see it) and sends it.
func renderPDF(c echo.Context, filename string, d minutes.Document) error {
	pdf, sha, err := minutes.Issue(d)
	if err != nil {
		return fmt.Errorf("render %s: %w", filename, err)
	}
	return sendPDF(c, filename, sha, pdf)
}

// evalDocument serves an issued document of a lot, :file being
// "<kind>.pdf" (opening_record, evaluation_report, failed_report,
// award_notice): the stored bytes, with the SHA-256 recorded with the
// project. The service decides who may read which (NotFound otherwise).
func (s *Server) evalDocument(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	kind, ok := strings.CutSuffix(c.Param("file"), ".pdf")
	if !ok {
		return problem.New(problem.NotFound, "document_not_found", "该文书不存在或您无权查看")
	}
	d, body, err := s.Evaluation.Document(c.Request().Context(), id, kind)
	if err != nil {
		return err
	}
	return sendPDF(c, fmt.Sprintf("%s-lot%d.pdf", kind, id), d.SHA256, body)
}

// apiEvalLotDocuments lists the lot's issued documents the caller may
// download.
func (s *Server) apiEvalLotDocuments(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	docs, err := s.Evaluation.LotDocuments(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := make([]lotDocument, len(docs))
	for i, d := range docs {
		out[i] = lotDocument{IssuedDocument: d, Name: d.Name(), URL: fmt.Sprintf("/api/v1/evaluation/lots/%d/documents/%s.pdf", id, d.Kind)}
	}
	return c.JSON(http.StatusOK, map[string]any{"documents": out})
}

type lotDocument struct {
	evaluation.IssuedDocument
	Name string `json:"name"`
	URL  string `json:"url"`
}
