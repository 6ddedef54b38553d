// Command dist cross-builds zoombulk for the desktops admins use (linux,
// darwin and windows, amd64 and arm64) into release archives:
// zoombulk_<version>_<os>_<arch>.tar.gz (.zip for windows), each holding
// the binary, the README and docs/, and a SHA256SUMS file in the format
// sha256sum -c and shasum -a 256 -c read. It needs only the Go toolchain
// (the archives are written with archive/tar and archive/zip), so that
// make dist works wherever make test does.
//
//	go run ./internal/tools/dist -version v1.2.0 -commit $(git rev-parse HEAD) -out dist
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Targets are the platforms a release is built for.
var Targets = []Target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// Target is one GOOS/GOARCH pair.
type Target struct{ OS, Arch string }

func (t Target) String() string { return t.OS + "/" + t.Arch }

// exe is the binary's name on the target.
func (t Target) exe() string {
	if t.OS == "windows" {
		return "zoombulk.exe"
	}
	return "zoombulk"
}

// Archive is the archive's file name for a version.
func (t Target) Archive(version string) string {
	ext := ".tar.gz"
	if t.OS == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("zoombulk_%s_%s_%s%s", version, t.OS, t.Arch, ext)
}

// cliPkg is where Version, Commit and Dirty live.
const cliPkg = "github.com/zoombulk/zoombulk/internal/cli"

// Build says what to build and where.
type Build struct {
	Version string // the release tag (v1.2.0), or "" for an untagged commit
	Commit  string // the full commit hash, or ""
	Dirty   bool   // the tree had uncommitted changes
	Out     string // the folder the archives go to
	Src     string // the module root
	Targets []Target
	Log     io.Writer
}

// NameVersion is the <version> of the archive names: the tag without its
// "v", else dev-<short commit>, with -dirty for a tree with local changes.
func (b Build) NameVersion() string {
	v := strings.TrimPrefix(b.Version, "v")
	if v == "" {
		v = "dev"
		if b.Commit != "" {
			v += "-" + b.Commit[:min(len(b.Commit), 12)]
		}
	}
	if b.Dirty && !strings.HasSuffix(v, "-dirty") {
		v += "-dirty"
	}
	return v
}

func (b Build) ldflags() string {
	// -s -w: no symbol table or DWARF, a third smaller download.
	flags := []string{"-s", "-w"}
	if b.Version != "" {
		flags = append(flags, "-X", cliPkg+".Version="+b.Version)
	}
	if b.Commit != "" {
		flags = append(flags, "-X", cliPkg+".Commit="+b.Commit)
	}
	if b.Dirty {
		flags = append(flags, "-X", cliPkg+".Dirty=true")
	}
	return strings.Join(flags, " ")
}

// Run builds every target, one after the other (each go build already uses
// every core), writes the archives and SHA256SUMS, and returns the
// archives' names.
func (b Build) Run() ([]string, error) {
	if err := os.MkdirAll(b.Out, 0o755); err != nil {
		return nil, err
	}
	// Only what an earlier make dist wrote is removed: an archive of
	// another version must not sit next to this SHA256SUMS.
	old, _ := filepath.Glob(filepath.Join(b.Out, "zoombulk_*"))
	for _, f := range append(old, filepath.Join(b.Out, "SHA256SUMS")) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	tmp, err := os.MkdirTemp("", "zoombulk-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	readme, err := os.ReadFile(filepath.Join(b.Src, "README.md"))
	if err != nil {
		return nil, err
	}
	// The reference the README links to (and the tool's hints name).
	docs, err := filepath.Glob(filepath.Join(b.Src, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	version := b.NameVersion()
	var sums strings.Builder
	var names []string
	for _, t := range b.Targets {
		bin := filepath.Join(tmp, t.OS+"_"+t.Arch, t.exe())
		start := time.Now()
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", b.ldflags(), "-o", bin, ".")
		cmd.Dir = b.Src
		// CGO off: a static binary that runs on any libc, and a cross
		// build without a C cross-compiler.
		cmd.Env = append(os.Environ(), "GOOS="+t.OS, "GOARCH="+t.Arch, "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = b.Log, b.Log
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("building %s: %w", t, err)
		}
		name := t.Archive(version)
		path := filepath.Join(b.Out, name)
		dir := strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz")
		files := []file{{dir + "/" + t.exe(), bin, 0o755}, {dir + "/README.md", "", 0o644}}
		for _, d := range docs {
			files = append(files, file{dir + "/docs/" + filepath.Base(d), d, 0o644})
		}
		if t.OS == "windows" {
			err = writeZip(path, files, readme)
		} else {
			err = writeTarGz(path, files, readme)
		}
		if err != nil {
			return nil, fmt.Errorf("archiving %s: %w", t, err)
		}
		sum, err := sha256File(path)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&sums, "%s  %s\n", sum, name)
		names = append(names, name)
		fmt.Fprintf(b.Log, "%s (%s)\n", path, time.Since(start).Round(time.Second))
	}
	if err := os.WriteFile(filepath.Join(b.Out, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		return nil, err
	}
	return names, nil
}

// file is an archive member: a file on disk, or the README (path "").
type file struct {
	name, path string
	mode       int64
}

func (f file) open(readme []byte) (io.ReadCloser, int64, error) {
	if f.path == "" {
		return io.NopCloser(strings.NewReader(string(readme))), int64(len(readme)), nil
	}
	r, err := os.Open(f.path)
	if err != nil {
		return nil, 0, err
	}
	st, err := r.Stat()
	if err != nil {
		r.Close()
		return nil, 0, err
	}
	return r, st.Size(), nil
}

func writeTarGz(path string, files []file, readme []byte) (err error) {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	gz := gzip.NewWriter(out)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		r, size, err := f.open(readme)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: size, ModTime: time.Now().UTC().Truncate(time.Second), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			r.Close()
			return err
		}
		_, err = io.Copy(tw, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(path string, files []file, readme []byte) (err error) {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	zw := zip.NewWriter(out)
	for _, f := range files {
		r, _, err := f.open(readme)
		if err != nil {
			return err
		}
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Now().UTC()}
		hdr.SetMode(os.FileMode(f.mode))
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			r.Close()
			return err
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// parseTargets reads -targets: "all" or a comma-separated list of os/arch.
func parseTargets(s string) ([]Target, error) {
	if s == "" || s == "all" {
		return Targets, nil
	}
	var out []Target
	for _, p := range strings.Split(s, ",") {
		os, arch, _ := strings.Cut(strings.TrimSpace(p), "/")
		t := Target{os, arch}
		if !slices.Contains(Targets, t) {
			return nil, fmt.Errorf("-targets: %q is not one of linux, darwin, windows / amd64, arm64", p)
		}
		out = append(out, t)
	}
	return out, nil
}

func main() {
	var b Build
	var targets string
	flag.StringVar(&b.Version, "version", "", "the release tag (empty for an untagged commit)")
	flag.StringVar(&b.Commit, "commit", "", "the commit built")
	flag.BoolVar(&b.Dirty, "dirty", false, "the tree has uncommitted changes")
	flag.StringVar(&b.Out, "out", "dist", "the folder the archives and SHA256SUMS go to")
	flag.StringVar(&targets, "targets", "all", "os/arch,... to build (default every target)")
	flag.Parse()
	var err error
	if b.Targets, err = parseTargets(targets); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(2)
	}
	b.Src, b.Log = ".", os.Stderr
	names, err := b.Run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
	fmt.Printf("Wrote %d archives and SHA256SUMS to %s/: %s\n", len(names), b.Out, strings.Join(names, ", "))
}
