//go:build linux

package dlv

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// setHeadlessProcAttr puts the headless dlv in its own process group (so
// it can be killed as a group without touching the caller's group) and
// asks the kernel to kill it if the calling process dies.
func setHeadlessProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// setInteractiveProcAttr keeps the interactive dlv in the caller's
// (terminal foreground) process group, which it needs to read the
// terminal, but still has it killed if the calling process dies.
func setInteractiveProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// descendantPIDs returns the live descendants of pid (children first),
// read from /proc. Delve starts the debugged program in a process group
// of its own, so it has to be found and killed separately from dlv.
func descendantPIDs(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ..."; comm may contain spaces and parens.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 2 || f[0] == "Z" || f[0] == "X" {
			continue // zombies are already dead
		}
		pp, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		children[pp] = append(children[pp], p)
	}
	var out []int
	queue := []int{pid}
	seen := map[int]bool{pid: true}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				queue = append(queue, c)
			}
		}
	}
	return out
}

// runsBinary reports whether pid is alive and was started from binary
// (its argv[0]), to avoid signalling a recycled pid.
func runsBinary(pid int, binary string) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return false
	}
	argv0, _, _ := bytes.Cut(data, []byte{0})
	return string(argv0) == binary
}

// waitFrozen waits (up to limit) until every thread of pid is stopped or
// pid is gone. A thread that is inside clone/vfork when SIGSTOP arrives
// only stops once the child has exec'd, and the child must be visible
// before dlv's children are looked up.
func waitFrozen(pid int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	for {
		tasks, err := os.ReadDir(dir)
		if err != nil {
			return // gone
		}
		frozen := true
		for _, t := range tasks {
			data, err := os.ReadFile(dir + "/" + t.Name() + "/stat")
			if err != nil {
				continue
			}
			i := bytes.LastIndexByte(data, ')')
			if i < 0 || len(data) < i+3 {
				continue
			}
			switch data[i+2] {
			case 'T', 't', 'Z', 'X':
			default:
				frozen = false
			}
		}
		if frozen || time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// fileIsTerminal reports whether f is a terminal (TCGETS succeeds).
func fileIsTerminal(f *os.File) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
