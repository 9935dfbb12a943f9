package evaluation

import (
	"context"

	"ggzy/problem"
)

// OpeningFinal reports whether the lot's opening session is over — closed,
// failed (流标) or any later state: the opening record, with the deposit
// checks it prints, is then final. A lot without an evaluation record is
// not. Trading asks it (through wiring) before changing a deposit check.
func (s *Service) OpeningFinal(ctx context.Context, lotID int64) (bool, error) {
	l, err := loadLot(ctx, s.DB, lotID, false)
	if problem.Is(err, "evaluation_not_found") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return l.State != StatePlanned && l.State != StateOpening, nil
}
