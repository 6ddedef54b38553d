package cli

import (
	"context"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// groupSettingsSwitch is `export groups --settings PATHS|all-common`: a row
// per group with its settings and locks, headed by the field names an
// update_group_settings job maps.
func groupSettingsSwitch() tableSwitch {
	var names []string
	return tableSwitch{flag: "settings", list: &names,
		usage: "one row per group with these settings and their locks (settings.<path>, lock.<path> columns; one or two Medium calls a group): paths such as recording.cloud_recording, or all-common; the file maps straight back onto an update_group_settings job",
		run: func(ctx context.Context, c *zoom.Client, path string) (*export.Result, error) {
			return export.GroupSettings(ctx, c, path, names)
		}}
}
