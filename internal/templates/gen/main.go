// Command gen rewrites the README's generated sections that come from
// package templates (the template kinds and the job file's fields). It is
// what `go generate ./internal/templates` runs.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/zoombulk/zoombulk/internal/templates"
)

func main() {
	path := flag.String("readme", "README.md", "the README to update")
	flag.Parse()
	if err := run(*path); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := templates.UpdateReadme(string(data), templates.ReadmeSections())
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
