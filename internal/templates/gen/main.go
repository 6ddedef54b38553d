// Command gen rewrites the README's generated sections: the template kinds
// and the job file's fields (from package templates) and the troubleshooting
// table (from the engine's hints). It is what `go generate
// ./internal/templates` runs; as a program it may import the engine, so
// templates and export need not.
package main

import (
	"flag"
	"fmt"
	"os"
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
	updated, err := UpdateReadme(string(data), ReadmeSections())
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
