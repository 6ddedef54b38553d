package memstat

import "testing"

// A process that holds memory has a peak at least that large.
func TestPeakCoversWhatIsHeld(t *testing.T) {
	ResetPeak()
	held := make([]byte, 64<<20)
	for i := range held {
		held[i] = byte(i)
	}
	if p := Peak(); p < 64<<20 {
		t.Errorf("peak %d MB while 64 MB is held", p>>20)
	}
	_ = held[len(held)-1]
}
