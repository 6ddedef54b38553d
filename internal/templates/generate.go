package templates

// The generated tables of docs/ (templates, fields, troubleshooting) are
// written by the program in internal/tools/docgen, not by this package: the troubleshooting
// table needs the engine's hints, and a go:generate program may import the
// engine where this package, which export builds on, must not.

//go:generate go run ../tools/docgen -root ../..
