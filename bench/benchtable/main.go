// Command benchtable reads `go test -bench` output on stdin, passes it
// through, and prints the Markdown tables of bench/RESULTS.md from the
// metrics the benchmarks report: the API steps of bench.BenchmarkAPI and
// the local costs of internal/jobs (validate, and reading for run) and internal/export
// (export). A benchmark that failed keeps its row, marked failed, and a
// row that missed its target is marked **no**; either, or a package that
// failed, makes benchtable exit 1, so `make bench` fails too.
//
//	go test -p 1 -run '^$' -bench . -benchtime 1x ./bench | go run ./bench/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

type bench struct {
	name    string
	metrics map[string]float64
	failed  string // the first line the failed benchmark logged
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)
	failLine  = regexp.MustCompile(`^\s*--- FAIL: (Benchmark\S+?)(?:-\d+)?(?:\s|$)`)
	logLine   = regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)
	missLine  = regexp.MustCompile(`^\s+\S+\.go:\d+: (MISS .*)$`)
)

// parsed is what the output says.
type parsed struct {
	benches []*bench
	misses  []string
	cpu     string
	pkgFail []string // a package's FAIL line, panics, timeouts
}

func parse(r io.Reader, echo io.Writer) parsed {
	var p parsed
	var lastFail *bench
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if echo != nil {
			fmt.Fprintln(echo, line)
		}
		if m := logLine.FindStringSubmatch(line); m != nil && lastFail != nil && lastFail.failed == "" {
			lastFail.failed = m[1]
		}
		switch {
		case strings.HasPrefix(line, "cpu: ") && p.cpu == "":
			p.cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "FAIL\t"), strings.HasPrefix(line, "panic:"), strings.HasPrefix(line, "*** Test killed"):
			p.pkgFail = append(p.pkgFail, line)
		}
		if m := missLine.FindStringSubmatch(line); m != nil {
			p.misses = append(p.misses, m[1])
		}
		if m := failLine.FindStringSubmatch(line); m != nil {
			lastFail = &bench{name: strings.TrimPrefix(m[1], "Benchmark"), metrics: map[string]float64{}}
			p.benches = append(p.benches, lastFail)
			continue
		}
		if m := benchLine.FindStringSubmatch(line); m != nil {
			lastFail = nil
			b := &bench{name: strings.TrimPrefix(m[1], "Benchmark"), metrics: map[string]float64{}}
			f := strings.Fields(m[2])
			for i := 0; i+1 < len(f); i += 2 {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					b.metrics[f[i+1]] = v
				}
			}
			p.benches = append(p.benches, b)
		}
	}
	// A failed sub-benchmark fails its parents too: keep the deepest.
	p.benches = slices.DeleteFunc(p.benches, func(b *bench) bool {
		if b.failed == "" && len(b.metrics) > 0 {
			return false
		}
		for _, o := range p.benches {
			if strings.HasPrefix(o.name, b.name+"/") {
				return true
			}
		}
		return false
	})
	return p
}

func main() {
	p := parse(os.Stdin, os.Stdout)
	if len(p.benches) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results on stdin")
		os.Exit(1)
	}
	bad := printTables(os.Stdout, p, loadavg())
	if bad > 0 || len(p.pkgFail) > 0 {
		fmt.Fprintf(os.Stderr, "benchtable: %d rows failed or missed their target; %d package failures (see above)\n", bad, len(p.pkgFail))
		os.Exit(1)
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// printTables writes the tables and returns the rows that failed or
// missed a target.
func printTables(w io.Writer, p parsed, load string) (bad int) {
	cpu := p.cpu
	if cpu == "" {
		cpu = "unknown CPU"
	}
	fmt.Fprintf(w, "\n## zoombulk benchmarks, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "Machine: %s, %d cores, %s/%s, %s; load average at the end (/proc/loadavg): %s. `make bench` (`-benchtime 1x`, one package at a time).\n\n",
		cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), load)

	bad += printAPITable(w, p.benches)
	printMisses(w, p.misses)
	bad += printLocalTable(w, p.benches)
	for _, l := range p.pkgFail {
		fmt.Fprintf(w, "- package failure: `%s`\n", l)
	}
	return bad
}

// printAPITable writes the engine-against-the-sandbox table, one row per
// API/<step>/<tier>/<latency> benchmark, and returns the rows that failed
// or missed a target.
func printAPITable(w io.Writer, benches []*bench) (bad int) {
	fmt.Fprintln(w, "### The engine against the sandbox")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| step | tier, share | latency | rows | calls | duration | bound | ratio | target | 429s | plan's estimate | estimate / actual | sequential script | speedup | batching script | speedup | peak RSS | CPU / 1,000 rows | met |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, b := range benches {
		rest, ok := strings.CutPrefix(b.name, "API/")
		if !ok {
			continue
		}
		if !printAPIRow(w, b, rest) {
			bad++
		}
	}
	fmt.Fprintln(w)
	return bad
}

// printAPIRow writes one API benchmark's row; it reports whether the row
// met its targets (a failed benchmark never does).
func printAPIRow(w io.Writer, b *bench, rest string) bool {
	parts := strings.SplitN(rest, "/", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	step, tier, lat := parts[0], strings.Replace(parts[1], "_", ", ", 1), parts[2]
	if b.failed != "" || len(b.metrics) == 0 {
		fmt.Fprintf(w, "| %s | %s | %s | failed: %s |||||||||||||||| **failed** |\n", step, tier, lat, cell(b.failed))
		return false
	}
	m := b.metrics
	ratio, target := apiRatioTarget(step, m)
	est, estRatio, estOK := apiEstimate(m)
	seq, seqX, batch, batchX := apiScripts(m)
	rss := fmt.Sprintf("%.0f MB", m["rss-MB"])
	if m["rss-step"] != 1 {
		rss += " (process)"
	}
	ok := m["met"] == 1 && estOK
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.2f s | %.2f s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %.0f ms | %s |\n",
		step, tier, lat, thousands(m["rows"]), thousands(m["calls"]), m["dur-s"], m["bound-s"], ratio, target,
		int(m["429s"]), est, estRatio, seq, seqX, batch, batchX, rss, m["cpu-ms/1k-rows"], yes(ok))
	return ok
}

// apiRatioTarget spells a row's ratio and target. Most steps must reach a
// share of their rate bound; the exports and the at-most steps must
// instead finish within a time, so their ratio says what it divides.
func apiRatioTarget(step string, m map[string]float64) (ratio, target string) {
	switch {
	case step == "export_users_300":
		return fmt.Sprintf("%.3f (time ÷ (1.2 × bound + 3 s))", m["ratio"]),
			fmt.Sprintf("time ≤ 1.2 × bound + 3 s = %.2f s", 1.2*m["bound-s"]+3)
	case strings.HasPrefix(step, "export_users"):
		return fmt.Sprintf("%.3f (time ÷ (bound + 3 s))", m["ratio"]),
			fmt.Sprintf("time ≤ bound + 3 s = %.2f s", m["bound-s"]+3)
	case m["at-most"] == 1:
		return fmt.Sprintf("%.3f (time ÷ bound)", m["ratio"]), fmt.Sprintf("≤ %.2f", m["target"])
	}
	return fmt.Sprintf("%.3f", m["ratio"]), fmt.Sprintf("≥ %.2f", m["target"])
}

// apiEstimate spells the plan's estimate and its ratio to the actual run,
// bold when off target; a step without an estimate shows dashes and is
// not held to one.
func apiEstimate(m map[string]float64) (est, estRatio string, ok bool) {
	v, has := m["est-s"]
	if !has {
		return "—", "—", true
	}
	ok = m["est-met"] == 1
	estRatio = fmt.Sprintf("%.2f", m["est/actual"])
	if !ok {
		estRatio = "**" + estRatio + "**"
	}
	return fmt.Sprintf("%.2f s", v), estRatio, ok
}

// apiScripts spells the comparison with a sequential script and with a
// batching one. A step measured against a sequential script but with no
// batch endpoint in Zoom says so rather than showing a dash.
func apiScripts(m map[string]float64) (seq, seqX, batch, batchX string) {
	seq, seqX, batch, batchX = "—", "—", "—", "—"
	if v, ok := m["seq-s"]; ok {
		seq = fmt.Sprintf("%.1f s (measured on %d)", v, int(m["seq-rows"]))
		seqX = fmt.Sprintf("%.1f×", m["seq-speedup"])
	}
	if v, ok := m["batch-s"]; ok {
		batch = fmt.Sprintf("%.1f s (measured on %d calls)", v, int(m["batch-calls"]))
		batchX = fmt.Sprintf("%.2f×", m["batch-speedup"])
	} else if seq != "—" {
		batch, batchX = "no batch endpoint", "—"
	}
	return seq, seqX, batch, batchX
}

// printMisses lists the benchmarks' MISS lines under the API table.
func printMisses(w io.Writer, misses []string) {
	if len(misses) == 0 {
		return
	}
	fmt.Fprintln(w, "Misses:")
	fmt.Fprintln(w)
	for _, m := range misses {
		fmt.Fprintf(w, "- %s\n", strings.TrimPrefix(m, "MISS "))
	}
	fmt.Fprintln(w)
}

// printLocalTable writes the local-costs table, one row per benchmark
// that is not an API one, and returns the rows that failed or missed a
// target.
func printLocalTable(w io.Writer, benches []*bench) (bad int) {
	fmt.Fprintln(w, "### Local costs")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| task | time | target | memory | memory target | met |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|---|")
	for _, b := range benches {
		if strings.HasPrefix(b.name, "API") {
			continue
		}
		if b.failed != "" || len(b.metrics) == 0 {
			bad++
			fmt.Fprintf(w, "| %s | failed: %s |||| **failed** |\n", b.name, cell(b.failed))
			continue
		}
		if !printLocalRow(w, b) {
			bad++
		}
	}
	fmt.Fprintln(w)
	return bad
}

// printLocalRow writes one local-cost benchmark's row, each task against
// its own targets, and reports whether it met them. A benchmark this
// table does not know gets a plain time row and counts as met.
func printLocalRow(w io.Writer, b *bench) (ok bool) {
	m := b.metrics
	secs := m["sec/op"]
	if secs == 0 {
		secs = m["ns/op"] / 1e9
	}
	switch {
	case strings.HasPrefix(b.name, "Validate/"):
		ok = m["rows/s"] >= m["target-rows/s"] && m["peak-RSS-MB"] < 150
		fmt.Fprintf(w, "| validate, streamed (%s) | %.2f s (%.0f rows/s) | ≥ %.0f rows/s | %.0f MB RSS | 150 MB | %s |\n",
			strings.TrimPrefix(b.name, "Validate/"), secs, m["rows/s"], m["target-rows/s"], m["peak-RSS-MB"], yes(ok))
	case strings.HasPrefix(b.name, "ReadSheet"):
		ok = m["time/budget"] <= 1 && m["heap/budget"] < 1
		fmt.Fprintf(w, "| read for run, every row kept (%s) | %.2f s (%.0f rows/s) | %.1f s | %.0f MB heap | %.0f MB | %s |\n",
			b.name, secs, m["rows/s"], secs/m["time/budget"], m["peak-heap-MB"], m["peak-heap-MB"]/m["heap/budget"], yes(ok))
	case strings.HasPrefix(b.name, "ExportUsers100k"):
		ok = printExport100kRow(w, b)
	case strings.HasPrefix(b.name, "BigAccount/"):
		ok = printBigAccountRow(w, b)
	case strings.HasPrefix(b.name, "DryRunMillion/"):
		ok = m["met"] == 1
		fmt.Fprintf(w, "| dry run of %s rows (%s input), plan written | %.1f s | — | %.0f MB RSS, %d files left in $TMPDIR | 1 GB, none | %s |\n",
			thousands(m["rows"]), strings.TrimPrefix(b.name, "DryRunMillion/"), m["dur-s"], m["peak-RSS-MB"], int(m["tmp-files"]), yes(ok))
	case strings.HasPrefix(b.name, "ExportUsersRSS300k"):
		ok = m["peak-RSS-MB"] < 150
		fmt.Fprintf(w, "| export 300,000 users (%s), own process | %.2f s | — | %.0f MB RSS | 150 MB | %s |\n",
			strings.TrimPrefix(b.name, "ExportUsersRSS300k/"), m["s/export"], m["peak-RSS-MB"], yes(ok))
	default:
		ok = true
		fmt.Fprintf(w, "| %s | %.2f s | — | — | — | — |\n", b.name, secs)
	}
	return ok
}

// printExport100kRow writes the 100,000-user export's row. Its target is
// the rate bound plus 3 s; paging by tokens is a chain of dependent
// calls, so there the slower of the rate bound and the chain counts.
func printExport100kRow(w io.Writer, b *bench) bool {
	m := b.metrics
	target := m["bound-s"] + 3
	if strings.HasSuffix(b.name, "/tokens") {
		target = max(m["bound-s"], m["chain-s"]) + 3
	}
	ok := m["s/export"] <= target
	fmt.Fprintf(w, "| export 100,000 users, XLSX (%s) | %.2f s | %.2f s (rate bound %.2f s, page chain %.2f s, + 3 s) | %.0f MB heap, the in-process sandbox's included | — | %s |\n",
		strings.TrimPrefix(b.name, "ExportUsers100k/"), m["s/export"], target, m["bound-s"], m["chain-s"], m["peak-heap-MB"], yes(ok))
	return ok
}

// printBigAccountRow writes one of issue 25's big-account cases: each
// reports its ratio to its target, and the detail says which target by
// the metrics the case reports (call counts, or a rate bound).
func printBigAccountRow(w io.Writer, b *bench) bool {
	m := b.metrics
	ok := m["met"] == 1
	detail := fmt.Sprintf("%.3f of the target", m["ratio"])
	if _, has := m["writes"]; has {
		detail = fmt.Sprintf("%.0f reads (≤ 300), %.0f writes (= 100), run %.3f of 60 s", m["reads"], m["writes"], m["ratio"])
	} else if _, has := m["bound-s"]; has {
		detail = fmt.Sprintf("%.3f × (listing at Medium + creates at Light = %.1f s), ≤ %.1f", m["ratio"], m["bound-s"], m["target"])
	}
	fmt.Fprintf(w, "| %s | %.2f s | %s | — | — | %s |\n", strings.TrimPrefix(b.name, "BigAccount/"), m["dur-s"], detail, yes(ok))
	return ok
}

func cell(s string) string {
	if s == "" {
		s = "no message (see the raw output)"
	}
	return strings.ReplaceAll(s, "|", "\\|")
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
