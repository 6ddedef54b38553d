//go:build !unix

package memstat

func maxRSS() uint64 { return 0 }
