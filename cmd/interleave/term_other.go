//go:build !linux

package main

import "os"

// fileIsTerminal approximates a terminal check without cgo or x/sys: a
// character device other than the null device.
func fileIsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}
