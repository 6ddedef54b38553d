// Package crashtest holds zoombulk's crash, fault and secrets suites. It has
// no code of its own: the tests build the binary once, run it against a
// sandbox served on loopback by this process, kill it (SIGKILL, SIGINT) at
// random points and resume it; run the engine in-process under fault
// profiles; and check that no secret or token leaks into any output.
//
// `make test` runs a size that fits in well under a minute with -race;
// `make soak` (ZOOMBULK_SOAK=1) runs more seeds and more rows.
package crashtest
