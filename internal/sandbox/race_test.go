//go:build race

package sandbox

// raceEnabled lets the heaviest tests shrink under the race detector, which
// slows JSON-heavy code about tenfold.
const raceEnabled = true
