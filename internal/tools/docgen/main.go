// Command gen rewrites the generated sections of the docs: the template
// kinds and the job file's fields (from package templates) in docs/jobs.md
// and the troubleshooting table (from the engine's hints) in
// docs/troubleshooting.md. It is what `go generate
// ./internal/templates` runs; as a program it may import the engine, so
// templates and export need not.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "the repository root, which holds docs/")
	flag.Parse()
	for file, sections := range DocSections() {
		if err := run(filepath.Join(*root, file), sections); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

func run(path string, sections map[string]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := UpdateReadme(string(data), sections)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if updated == string(data) {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(updated), st.Mode().Perm())
}
