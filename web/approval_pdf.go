package web

// The approval hall's written documents as PDF (受理通知书, 补正材料通知书,
// 不予受理决定书, 准予 / 不予行政许可决定书), rendered on request from the
// case as it stands: the window's receipt and the API's documents by kind.
// Who may see the case is the service's rule (others: 404).

import (
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"ggzy/problem"
)

func (s *Server) approvalPDFRoutes() {
	// ?kind= picks another document of the case than the receipt.
	s.Echo.GET("/window/cases/:id/receipt.pdf", s.windowReceiptPDF, requireRoles(clerk))
	// :file is "<kind>.pdf", kind one of approval.DocumentKinds.
	s.Echo.GET("/api/v1/approval/cases/:id/documents/:file", s.apiApprovalDocument, requireRoles(clerk, approver, supervisor))
	// The same for the case page in a browser (the API takes bearer tokens only).
	s.Echo.GET("/approval/cases/:id/documents/:file", s.apiApprovalDocument, requireRoles(clerk, approver, supervisor))
}

func (s *Server) windowReceiptPDF(c echo.Context) error {
	return s.approvalDocument(c, c.QueryParam("kind"))
}

func (s *Server) apiApprovalDocument(c echo.Context) error {
	kind, ok := strings.CutSuffix(c.Param("file"), ".pdf")
	if !ok || kind == "" {
		return problem.New(problem.NotFound, "document_not_found", "文书不存在")
	}
	return s.approvalDocument(c, kind)
}

// approvalDocument renders the case's document of kind ("" for the
// receipt the case's state calls for) and sends it as a download.
func (s *Server) approvalDocument(c echo.Context, kind string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	doc, kind, err := s.hall().Document(c.Request().Context(), id, kind)
	if err != nil {
		return err
	}
	return renderPDF(c, fmt.Sprintf("%s-%s.pdf", doc.No, kind), doc)
}
