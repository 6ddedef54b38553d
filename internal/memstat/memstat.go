// Package memstat reads this process's peak resident memory, for the
// memory columns of the benchmarks.
package memstat

import (
	"os"
	"strconv"
	"strings"
)

// ResetPeak resets the kernel's high-water mark of this process's resident
// memory (Linux: writing 5 to /proc/self/clear_refs), so that Peak reads the
// peak from now on, not that of whatever ran before. It reports whether the
// reset worked; if not, Peak is the process's peak since it started.
func ResetPeak() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// Peak is the peak resident memory in bytes: VmHWM of /proc/self/status,
// or getrusage's maxrss where there is no /proc (0 where neither exists).
func Peak() uint64 {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(data)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return maxRSS()
}
