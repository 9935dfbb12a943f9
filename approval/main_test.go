package approval

import (
	"os"
	"testing"

	"ggzy/db/dbtest"
)

// TestMain gives the package's tests their fresh migrated database.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
