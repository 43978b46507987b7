//go:build unix && !linux

package stress

import "syscall"

// setDeathSignal does nothing: only Linux has a parent-death signal. A
// child then relies on its own time limit (the test binary's -test.timeout).
func setDeathSignal(*syscall.SysProcAttr) {}
