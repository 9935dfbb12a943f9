package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"ggzy/clock"
	"ggzy/problem"
	"ggzy/trading"
)

// The bid form (投标函): the bidder's declared price, duration and quality
// on a lot, sealed until the opening like the bid files.

type bidFormRequest struct {
	Price    string `json:"price" form:"price"`
	Duration string `json:"duration" form:"duration"`
	Quality  string `json:"quality" form:"quality"`
}

func (r bidFormRequest) input() trading.BidFormInput {
	return trading.BidFormInput{Price: r.Price, Duration: r.Duration, Quality: r.Quality}
}

func (r bidFormRequest) form() map[string]string {
	return map[string]string{"price": r.Price, "duration": r.Duration, "quality": r.Quality}
}

func formReceiptText(f *trading.BidForm) string {
	return fmt.Sprintf("投标函已递交（第%d版）。回执：%s，投标报价 %s 元，SHA-256 %s", f.Version,
		f.ReceivedAt.In(clock.Shanghai).Format("2006-01-02 15:04:05"), f.PriceText, f.SHA256)
}

func (s *Server) bidderBidForm(c echo.Context) error {
	var r bidFormRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	f, err := s.Trading.SubmitBidForm(c.Request().Context(), id, r.input())
	if err != nil {
		return s.bidderLotWith(c, &Page{Form: r.form()}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/bidder/lots/%d#bid-form", id), formReceiptText(f))
}

func (s *Server) bidderBidFormWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.WithdrawBidForm(c.Request().Context(), id); err != nil {
		return s.bidderLotWith(c, &Page{}, err)
	}
	return s.redirectFlash(c, fmt.Sprintf("/bidder/lots/%d#bid-form", id), "投标函已撤回")
}

func (s *Server) apiBidForm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, err := s.Trading.MyBidForm(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if f == nil {
		return problem.New(problem.NotFound, "bid_form_not_found", "尚未递交投标函")
	}
	return c.JSON(http.StatusOK, f)
}

func (s *Server) apiBidFormPut(c echo.Context) error {
	var r bidFormRequest
	id, err := bindPathID(c, &r)
	if err != nil {
		return err
	}
	f, err := s.Trading.SubmitBidForm(c.Request().Context(), id, r.input())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if f.Version == 1 {
		status = http.StatusCreated
	}
	return c.JSON(status, f)
}

func (s *Server) apiBidFormWithdraw(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Trading.WithdrawBidForm(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
