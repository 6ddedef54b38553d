// Command benchtable reads `go test -bench` output on stdin, passes it
// through, and prints the Markdown table of bench/RESULTS.md from the
// metrics the benchmarks report: the API steps of bench.BenchmarkAPI and
// the local costs of internal/jobs (validate) and internal/report (export).
// It exits 1 when a benchmark or package failed, so `make bench` fails too.
//
//	go test -p 1 -run '^$' -bench . -benchtime 1x ./bench ./internal/jobs ./internal/report | go run ./bench/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type bench struct {
	name    string
	metrics map[string]float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func main() {
	var (
		benches []bench
		cpu     string
		failed  bool
	)
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line)
		switch {
		case strings.HasPrefix(line, "cpu: ") && cpu == "":
			cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "FAIL"), strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "panic:"):
			failed = true
		}
		if m := benchLine.FindStringSubmatch(line); m != nil {
			b := bench{name: strings.TrimPrefix(m[1], "Benchmark"), metrics: map[string]float64{}}
			f := strings.Fields(m[2])
			for i := 0; i+1 < len(f); i += 2 {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					b.metrics[f[i+1]] = v
				}
			}
			benches = append(benches, b)
		}
	}
	if len(benches) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results on stdin")
		os.Exit(1)
	}
	printTable(os.Stdout, benches, cpu)
	if failed {
		fmt.Fprintln(os.Stderr, "benchtable: some benchmarks failed or missed their target (see above)")
		os.Exit(1)
	}
}

func printTable(w io.Writer, benches []bench, cpu string) {
	if cpu == "" {
		cpu = "unknown CPU"
	}
	fmt.Fprintf(w, "\n## zoombulk benchmarks, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "Machine: %s, %d cores, %s/%s, %s. `make bench` (`-benchtime 1x`, one package at a time).\n\n",
		cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())

	fmt.Fprintln(w, "### Throughput: the engine against the sandbox (50 ms latency, business tier enforced, share 1.0, features interval scaled to 1 s)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| step | rows | calls | duration | rate-limit bound | ratio | target | 429s | CPU / 1,000 rows | peak heap (step) | naive script | speedup | met |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|---|")
	for _, b := range benches {
		step, ok := strings.CutPrefix(b.name, "API/")
		if !ok {
			continue
		}
		m := b.metrics
		target := fmt.Sprintf("≥ %.2f", m["target"])
		ratioNote := ""
		switch step {
		case "update_features":
			target = fmt.Sprintf("≤ %.2f", m["target"])
			ratioNote = " (time / bound)"
		case "export_users":
			target = fmt.Sprintf("time ≤ bound + 10 s = %.2f s", m["bound-s"]+10)
		}
		naive, speedup := "—", "—"
		if v, ok := m["naive-ms/row"]; ok {
			naive = fmt.Sprintf("%.1f ms/row (%d rows)", v, int(m["naive-rows"]))
			speedup = fmt.Sprintf("%.1f×", m["speedup"])
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f s | %.2f s | %.3f%s | %s | %d (%.2f%%) | %.0f ms | %.0f MB (+%.0f) | %s | %s | %s |\n",
			step, thousands(m["rows"]), thousands(m["calls"]), m["dur-s"], m["bound-s"], m["ratio"], ratioNote, target,
			int(m["429s"]), m["429-pct"], m["cpu-ms/1k-rows"], m["peak-heap-MB"], m["step-heap-MB"], naive, speedup, yes(m["met"] == 1))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Ratio: the rate-limit lower bound (calls of the step's category ÷ its rate; features: calls × interval, and the ratio is inverted: time ÷ bound) ÷ the step's duration, from the engine starting the step to finishing it (the plan's reads are not counted). CPU and heap are the whole process's, the in-process sandbox included. The naive script calls the client one row at a time (one user per call, `NoLimits`), on fewer rows; its time per row is extrapolated to the step's rows for the speedup. Features: 300 users at one value and 290 at another, 30 a call, so 10 + 10 calls with only the last of the second group short (checked against the sandbox's count).")
	fmt.Fprintln(w)

	fmt.Fprintln(w, "### Local costs")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| task | rows | time | budget | peak heap | heap budget | met |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|---|")
	for _, b := range benches {
		m := b.metrics
		switch {
		case strings.HasPrefix(b.name, "Validate100k"):
			secs := m["sec/op"]
			if secs == 0 {
				secs = m["ns/op"] / 1e9
			}
			budget := secs / m["time/budget"]
			heapBudget := m["peak-heap-MB"] / m["heap/budget"]
			fmt.Fprintf(w, "| validate 100,000 rows (%s) | 100,000 | %.2f s | %.0f s | %.0f MB | %.0f MB | %s |\n",
				strings.TrimPrefix(b.name, "Validate100k"), secs, budget, m["peak-heap-MB"], heapBudget, yes(m["time/budget"] <= 1 && m["heap/budget"] < 1))
		case b.name == "ExportUsers100k":
			budget := m["bound-s"] + 10
			fmt.Fprintf(w, "| export 100,000 users (XLSX, via the API) | 100,000 | %.2f s | %.2f s (bound %.2f s + 10 s) | %.0f MB | 300 MB | %s |\n",
				m["s/export"], budget, m["bound-s"], m["peak-heap-MB"], yes(m["s/export"] <= budget && m["peak-heap-MB"] < 300))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Validate: internal/jobs BenchmarkValidate100k{CSV,XLSX} (job load + read + map + check every row). Export: internal/report BenchmarkExportUsers100k (sandbox with 100,000 users in the same process, its heap counted).")
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func thousands(v float64) string {
	s := strconv.FormatInt(int64(v), 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
