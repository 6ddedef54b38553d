// Package bench holds zoombulk's end-to-end benchmarks: each step of a job
// (and the users export) run through the real engine and client against the
// in-process sandbox, at 50 ms, 300 ms and 1 s per answer (update_features
// at 50 and 300 ms: its 10 s rule sets its pace), at the CLI's default tier and share (pro, 0.8) and at the whole
// business tier, with the sandbox enforcing the same tier. Each row is
// measured against the rate limits' lower bound, the plan's own estimate,
// a sequential script (one call at a time, one user a call) and, where the
// API takes 30 users a call, a script that batches. `make bench` runs them
// together with the local-cost benchmarks of internal/jobs and
// internal/export and prints the Markdown tables (bench/benchtable);
// bench/RESULTS.md keeps the latest.
//
// The crash and fault suites live in internal/crashtest.
package bench
