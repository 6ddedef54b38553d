// Package bench holds zoombulk's end-to-end benchmarks: each step of a job
// (and the users export) run through the real engine and client against the
// in-process sandbox with 50 ms latency and the business tier's limits, and
// measured against the rate limits' lower bound and a naive sequential
// script. `make bench` runs them together with the local-cost benchmarks of
// internal/jobs and internal/report and prints one Markdown table
// (bench/benchtable); bench/RESULTS.md keeps the latest.
//
// The crash and fault suites live in internal/crashtest.
package bench
