package export

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// SelectGroupSettings reads `export groups --settings`: setting paths
// (recording.cloud_recording, or settings.…), lock paths (lock.…) or
// all-common. A setting path brings its lock column too when the group has
// one, so the file holds the whole policy of each setting.
func SelectGroupSettings(names []string) ([]mapping.Field, error) {
	var out []mapping.Field
	seen := map[string]bool{}
	add := func(name string) bool {
		f, ok := mapping.Lookup(name)
		if !ok || !(mapping.GroupSetting(f) || f.Target == mapping.Lock) {
			return false
		}
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
		return true
	}
	withLock := func(path string) bool {
		ok := add(mapping.SettingsPrefix + path)
		lock := add(mapping.LockPrefix + path)
		return ok || lock
	}
	err := eachSettingName(names, func(p string) { withLock(p) }, func(name string) error {
		if strings.HasPrefix(name, mapping.LockPrefix) {
			if add(name) {
				return nil
			}
		} else if withLock(strings.TrimPrefix(name, mapping.SettingsPrefix)) {
			return nil
		}
		e := &zoom.UnknownNameError{Kind: "group setting", Name: name, Known: mapping.CommonSettings}
		if s := mapping.SuggestSetting(mapping.SettingsPrefix + strings.TrimPrefix(strings.TrimPrefix(name, mapping.LockPrefix), mapping.SettingsPrefix)); s != "" {
			e.Closest = []string{strings.TrimPrefix(s, mapping.SettingsPrefix)}
		}
		return e
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GroupSettings writes one row per group: Group, then a column per
// setting and lock, headed by its field name (settings.…, lock.…), so the
// file maps straight onto an update_group_settings job. Each group costs a
// Get a group's settings and, with a lock column, a Get locked settings
// call (Medium).
func GroupSettings(ctx context.Context, c *zoom.Client, path string, names []string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	fields, err := SelectGroupSettings(names)
	if err != nil {
		return nil, err
	}
	var wantSettings, wantLocks bool
	cols := []sheet.Column{{Header: HeaderGroup}}
	for _, f := range fields {
		cols = append(cols, sheet.Column{Header: f.Name})
		wantLocks = wantLocks || f.Target == mapping.Lock
		wantSettings = wantSettings || f.Target == mapping.Setting
	}
	groups, err := c.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the groups: %w", err)
	}
	t := sheet.Table{Name: "Groups", Columns: cols}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for _, g := range groups {
			var s, l zoom.Settings
			if wantSettings {
				if s, err = c.GetGroupSettings(ctx, g.ID); err != nil {
					return fmt.Errorf("reading the settings of group %q: %w", g.Name, err)
				}
			}
			if wantLocks {
				if l, err = c.GetGroupLockSettings(ctx, g.ID); err != nil {
					return fmt.Errorf("reading the locked settings of group %q: %w", g.Name, err)
				}
			}
			row := []sheet.Cell{sheet.TextCell(g.Name)}
			for _, fd := range fields {
				src, p := s, fd.SettingPath()
				if fd.Target == mapping.Lock {
					src, p = l, fd.LockPath()
				}
				v, _ := src.Get(p)
				row = append(row, sheet.TextCell(mapping.SettingText(v)))
			}
			if err := add(row...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableResult(c, before, start, path, f, n), nil
}
