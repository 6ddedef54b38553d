//go:build race

package crashtest

// raceEnabled shrinks the suites under the race detector, which slows the
// in-process sandbox and engine several times.
const raceEnabled = true
