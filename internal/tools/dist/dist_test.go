package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestNameVersion(t *testing.T) {
	for _, tc := range []struct {
		b    Build
		want string
	}{
		{Build{Version: "v1.2.0", Commit: "0123456789abcdef"}, "1.2.0"},
		{Build{Version: "v1.2.0", Commit: "0123456789abcdef", Dirty: true}, "1.2.0-dirty"},
		{Build{Commit: "0123456789abcdef"}, "dev-0123456789ab"},
		{Build{Commit: "0123456789abcdef", Dirty: true}, "dev-0123456789ab-dirty"},
		{Build{}, "dev"},
	} {
		if got := tc.b.NameVersion(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.b, got, tc.want)
		}
	}
}

func TestParseTargets(t *testing.T) {
	if got, err := parseTargets("all"); err != nil || len(got) != 6 {
		t.Errorf("all: %v %v", got, err)
	}
	if got, err := parseTargets("windows/arm64, linux/amd64"); err != nil || len(got) != 2 || got[0] != (Target{"windows", "arm64"}) {
		t.Errorf("two: %v %v", got, err)
	}
	if _, err := parseTargets("plan9/386"); err == nil || !strings.Contains(err.Error(), "plan9/386") {
		t.Errorf("plan9: %v", err)
	}
}

// The archives hold the binary (executable) and the README under one
// folder, in both formats.
func TestArchives(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "zoombulk")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := []file{{"zb_1/zoombulk", bin, 0o755}, {"zb_1/README.md", "", 0o644}}
	tgz, zp := filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "a.zip")
	if err := writeTarGz(tgz, files, []byte("# readme")); err != nil {
		t.Fatal(err)
	}
	if err := writeZip(zp, files, []byte("# readme")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{tgz, zp} {
		got := readArchive(t, path)
		if m := got["zb_1/zoombulk"]; string(m.data) != "binary" || m.mode&0o111 == 0 {
			t.Errorf("%s: binary %q mode %o", path, m.data, m.mode)
		}
		if m := got["zb_1/README.md"]; string(m.data) != "# readme" {
			t.Errorf("%s: README %q", path, m.data)
		}
	}
}

type member struct {
	data []byte
	mode os.FileMode
}

func readArchive(t *testing.T, path string) map[string]member {
	t.Helper()
	out := map[string]member{}
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[f.Name] = member{data, f.Mode()}
		}
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = member{data, os.FileMode(h.Mode)}
	}
	return out
}

// repoRoot is the module root, two folders up.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// make dist: six archives named after the version, each listed in
// SHA256SUMS with its right sum, each holding a binary for its own OS
// and CPU, built without cgo and stamped with the commit. Cross-building
// takes minutes, so this runs only with ZOOMBULK_DIST_TEST=1 (.ci/run
// sets it after make dist; without a dist/ folder the test runs make dist
// itself).
func TestMakeDist(t *testing.T) {
	if os.Getenv("ZOOMBULK_DIST_TEST") == "" {
		t.Skip("cross-builds every target: set ZOOMBULK_DIST_TEST=1 (.ci/run does)")
	}
	root := repoRoot(t)
	out := filepath.Join(root, "dist")
	if _, err := os.Stat(filepath.Join(out, "SHA256SUMS")); err != nil {
		cmd := exec.Command("make", "dist")
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make dist: %v\n%s", err, msg)
		}
	}
	commit := git(t, root, "rev-parse", "HEAD")
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("SHA256SUMS line %q: want \"<sha256>  <file>\"", sc.Text())
		}
		listed[name] = sum
	}
	if len(listed) != len(Targets) {
		t.Fatalf("SHA256SUMS lists %d archives, want %d:\n%s", len(listed), len(Targets), sums)
	}
	// The version in the names: whatever make dist chose, the same for all.
	var version string
	for name := range listed {
		if strings.HasSuffix(name, "_linux_amd64.tar.gz") {
			version = strings.TrimSuffix(strings.TrimPrefix(name, "zoombulk_"), "_linux_amd64.tar.gz")
		}
	}
	if version == "" || (!strings.Contains(version, commit[:12]) && !strings.HasPrefix(version, strings.TrimPrefix(git(t, root, "describe", "--tags", "--always"), "v"))) {
		t.Errorf("archive version %q names neither the tag nor the commit %s", version, commit[:12])
	}
	for _, tg := range Targets {
		name := tg.Archive(version)
		t.Run(tg.String(), func(t *testing.T) {
			path := filepath.Join(out, name)
			sum, err := sha256File(path)
			if err != nil {
				t.Fatal(err)
			}
			if listed[name] != sum {
				t.Errorf("%s: sha256 %s, SHA256SUMS says %q", name, sum, listed[name])
			}
			dir := strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz")
			got := readArchive(t, path)
			for _, doc := range []string{"README.md", "docs/jobs.md", "docs/troubleshooting.md"} {
				if len(got[dir+"/"+doc].data) == 0 {
					t.Errorf("%s has no %s/%s (the README links to docs/)", name, dir, doc)
				}
			}
			exe := got[dir+"/"+tg.exe()]
			if len(exe.data) == 0 || exe.mode&0o100 == 0 {
				t.Fatalf("%s: no executable %s/%s (mode %o)", name, dir, tg.exe(), exe.mode)
			}
			if err := checkFormat(tg, exe.data); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			info, err := buildinfo.Read(bytes.NewReader(exe.data))
			if err != nil {
				t.Fatalf("%s: build info: %v", name, err)
			}
			settings := map[string]string{}
			for _, s := range info.Settings {
				settings[s.Key] = s.Value
			}
			if settings["GOOS"] != tg.OS || settings["GOARCH"] != tg.Arch || settings["CGO_ENABLED"] != "0" {
				t.Errorf("%s: built for %s/%s, cgo %s", name, settings["GOOS"], settings["GOARCH"], settings["CGO_ENABLED"])
			}
			// -trimpath keeps -ldflags out of the build information; the
			// commit set with -X is in the binary's data.
			if !bytes.Contains(exe.data, []byte(commit)) {
				t.Errorf("%s: the commit %s is not in the binary", name, commit)
			}
			// The binary for this machine runs and says what it is.
			if tg.OS == runtime.GOOS && tg.Arch == runtime.GOARCH {
				bin := filepath.Join(t.TempDir(), tg.exe())
				if err := os.WriteFile(bin, exe.data, 0o755); err != nil {
					t.Fatal(err)
				}
				v, err := exec.Command(bin, "--version").Output()
				if err != nil || !strings.Contains(string(v), "commit "+commit[:12]) {
					t.Errorf("%s --version: %q %v", name, v, err)
				}
			}
		})
	}
}

// checkFormat says whether data is an executable for t's OS and CPU.
func checkFormat(t Target, data []byte) error {
	r := bytes.NewReader(data)
	want := map[string]bool{"amd64": true, "arm64": false}[t.Arch] // true: x86-64
	switch t.OS {
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			return fmt.Errorf("not ELF: %w", err)
		}
		if (f.Machine == elf.EM_X86_64) != want || (f.Machine != elf.EM_X86_64 && f.Machine != elf.EM_AARCH64) {
			return fmt.Errorf("ELF for %s", f.Machine)
		}
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			return fmt.Errorf("not Mach-O: %w", err)
		}
		if (f.Cpu == macho.CpuAmd64) != want || (f.Cpu != macho.CpuAmd64 && f.Cpu != macho.CpuArm64) {
			return fmt.Errorf("Mach-O for %s", f.Cpu)
		}
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			return fmt.Errorf("not PE: %w", err)
		}
		if (f.Machine == pe.IMAGE_FILE_MACHINE_AMD64) != want || (f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 && f.Machine != pe.IMAGE_FILE_MACHINE_ARM64) {
			return fmt.Errorf("PE for machine %#x", f.Machine)
		}
		if f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 {
			return fmt.Errorf("PE is not an executable image")
		}
	}
	return nil
}
