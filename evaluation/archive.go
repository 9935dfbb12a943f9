package evaluation

import (
	"context"
	"fmt"
	"io"

	"ggzy/audit"
	"ggzy/problem"
)

// OpenIssued opens the stored bytes of an issued document of the project's
// archive for staff and supervisors (who may read every issued document,
// see mayRead), to be streamed into an export rather than read into memory
// as Document does. The caller checks the bytes against d.SHA256 while it
// copies them; the export is audited by the caller as one event.
func (s *Service) OpenIssued(ctx context.Context, d IssuedDocument) (io.ReadCloser, error) {
	a := audit.ActorFrom(ctx)
	if !isStaff(a) && !isSupervisor(a) {
		return nil, errDocumentNotFound()
	}
	if !d.Stored || s.Files == nil {
		return nil, problem.New(problem.NotFound, "document_not_stored", DocNames[d.Kind]+"只保存了摘要（SHA-256），原件未存档")
	}
	rc, err := s.Files.Open(ctx, d.SHA256)
	if err != nil {
		return nil, fmt.Errorf("open %s %d of project %d: %w", d.Kind, d.ID, d.ProjectID, err)
	}
	return rc, nil
}
