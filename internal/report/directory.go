package report

import "github.com/zoombulk/zoombulk/internal/zoom"

// Aliases that keep internal/jobs compiling while it moves to zoom's names;
// to be deleted once nothing uses them.
type (
	// Directory is zoom.Directory.
	Directory = zoom.Directory
	// UnknownNameError is zoom.UnknownNameError.
	UnknownNameError = zoom.UnknownNameError
)

// LoadDirectory is zoom.LoadDirectory.
var LoadDirectory = zoom.LoadDirectory
