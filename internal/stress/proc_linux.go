//go:build linux

package stress

import "syscall"

// setDeathSignal has the kernel kill the child when the engine's process
// dies, however it dies (even by SIGKILL, when nothing else can clean up):
// a child must never run on without the process that counts it.
func setDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
