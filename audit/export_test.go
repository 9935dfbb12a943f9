package audit

// SetVerifyPage sets how many events Verify reads at once and returns a
// function that restores it.
func SetVerifyPage(n int64) (restore func()) {
	was := verifyPage
	verifyPage = n
	return func() { verifyPage = was }
}
