package jobs_test

import (
	"os"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// TestMain fails the package when a goroutine outlives its tests (the
// bubbled ones are checked by synctest as they end).
func TestMain(m *testing.M) { os.Exit(zoomtest.RunWithoutLeaks(m, 5*time.Second)) }
