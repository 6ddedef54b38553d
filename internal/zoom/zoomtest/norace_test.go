//go:build !race

package zoomtest

const raceEnabled = false
