//go:build unix

package stress

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary doubles as the child process: with STRESS_HELPER=<mode> in
// its environment, TestMain behaves as a scenario child instead of running
// the tests.
const helperEnv = "STRESS_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	goleak.VerifyTestMain(m)
}

func helperMain(mode string) int {
	seed, _ := strconv.ParseInt(os.Getenv("STRESS_SEED"), 10, 64)
	fail := func() int {
		fmt.Printf("helper start seed=%d\n", seed)
		fmt.Println("=== RUN   TestScenario")
		fmt.Println(failureLine)
		fmt.Fprintf(os.Stderr, "helper end of output seed=%d\n", seed)
		return 1
	}
	pass := func() int {
		fmt.Printf("helper pass seed=%d\n", seed)
		return 0
	}
	hang := func() int {
		if dir := os.Getenv("STRESS_PIDDIR"); dir != "" {
			pid := strconv.Itoa(os.Getpid())
			_ = os.WriteFile(filepath.Join(dir, pid), []byte(pid), 0o644)
		}
		fmt.Println("helper hanging")
		time.Sleep(time.Hour)
		return 0
	}
	switch mode {
	case "pass":
		return pass()
	case "page":
		// Writes a page for its failure and names it (a path outside
		// STRESS_PAGES when STRESS_PAGE_OUTSIDE is set).
		dir := os.Getenv("STRESS_PAGES")
		if os.Getenv("STRESS_PAGE_OUTSIDE") != "" {
			dir = os.Getenv("STRESS_PAGE_OUTSIDE")
		}
		page := filepath.Join(dir, fmt.Sprintf("seed%d.html", seed))
		_ = os.WriteFile(page, []byte(fmt.Sprintf("page of seed %d", seed)), 0o644)
		fmt.Printf("INTERLEAVE-FAILURE {\"signature\":\"paged\",\"html\":%q}\n", page)
		return 1
	case "slow-fail-on-odd-seed":
		time.Sleep(100 * time.Millisecond)
		if seed%2 != 0 {
			return fail()
		}
		return pass()
	case "fail-on-odd-seed":
		if seed%2 != 0 {
			return fail()
		}
		return pass()
	case "fail-or-hang-tree":
		if seed%2 != 0 {
			return fail()
		}
		mode = "hang-tree"
	case "failfast":
		if seed == 1 {
			time.Sleep(200 * time.Millisecond)
			return fail()
		}
		return hang() // only fail-fast's abort ends it
	case "fail-in-reverse":
		return failInReverse(seed)
	case "mixed":
		switch seed % 3 {
		case 0:
			panic("boom")
		case 1:
			return fail()
		}
		return pass()
	case "panic":
		x := new(int)
		panic(fmt.Sprintf("boom at %p", x))
	case "race-like":
		fmt.Fprintf(os.Stderr, "==================\nWARNING: DATA RACE\n"+
			"Write at 0x00c0000a%04x by goroutine %d:\n  main.writer()\n      /src/race.go:12 +0x3c\n\n"+
			"Previous read at 0x00c0000a%04x by main goroutine:\n  main.reader()\n      /src/race.go:20 +0x58\n\n"+
			"Goroutine %d (running) created at:\n  main.main()\n      /src/race.go:18 +0x44\n==================\n"+
			"Found 1 data race(s)\n", seed*8, seed+6, seed*8, seed+6)
		return 66
	case "exit3":
		return 3
	case "sigint-odd-seed":
		// As a user's Ctrl-C or kill -INT would end it.
		if seed%2 != 0 {
			fmt.Println("helper interrupted")
			_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
			time.Sleep(time.Hour)
		}
		return pass()
	case "summary-on-even-seed":
		if seed%2 == 0 {
			fmt.Printf("%s {\"first_seed\":%d,\"seeds\":1,\"schedules\":3}\n", SummaryMarker, seed)
		}
		return pass()
	case "engine":
		return engineMain()
	case "big":
		line := strings.Repeat("x", 99) + "\n"
		for range 30000 { // 3 MB
			fmt.Print(line)
		}
		fmt.Println(failureLine)
		fmt.Println("helper end of output")
		return 1
	case "hang-nodump":
		signal.Ignore(syscall.SIGQUIT)
		return hang()
	}
	switch mode {
	case "hang":
		return hang()
	case "orphan-pass", "orphan-fail":
		// Leave a grandchild behind that keeps our output pipe open.
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=hang")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			fmt.Println("helper: starting grandchild:", err)
			return 1
		}
		for len(readDir(os.Getenv("STRESS_PIDDIR"))) == 0 {
			time.Sleep(5 * time.Millisecond) // until it is surely running
		}
		if mode == "orphan-fail" {
			return fail()
		}
		return pass()
	case "hang-tree":
		// Start a grandchild in the same process group, sharing our output.
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=hang")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			fmt.Println("helper: starting grandchild:", err)
			return 1
		}
		return hang()
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 2
}

// failInReverse fails after the child of the next seed has ended and been
// waited for, up to the seed STRESS_LASTSEED: with all of them running at
// once, the highest seed ends first, the lowest last. The failure line
// names the seed in its repro and debug lines.
func failInReverse(seed int64) int {
	out := os.Getenv("STRESS_OUTDIR")
	last, _ := strconv.ParseInt(os.Getenv("STRESS_LASTSEED"), 10, 64)
	// Wait until the engine has written the log of the next run's failure
	// (run index seed, seed seed+1): its owner records failures one at a
	// time, and writes a failure's log before noting it, so this run's
	// failure is recorded after the next one's. (Waiting only for the next
	// run's process to be gone left a window in which both ended before
	// the owner took either.)
	deadline := time.Now().Add(time.Minute) // a hang guard, not an ordering
	for seed < last && time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(out, fmt.Sprintf("fail-%d-seed%d.log", seed, seed+1))); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf(`INTERLEAVE-FAILURE {"signature":"lost message 6","repro":"go test -seed %d","debug":"interleave debug --seed %d"}`+"\n", seed, seed)
	return 1
}

// engineMain runs an engine whose children hang (and write their PIDs into
// STRESS_PIDDIR), until it is killed.
func engineMain() int {
	e, err := New(Config{Parallel: 2, Count: 2, NewCmd: helperCmd("hang", "STRESS_PIDDIR="+os.Getenv("STRESS_PIDDIR"))})
	if err != nil {
		fmt.Println("helper:", err)
		return 2
	}
	_, err = e.Run(context.Background())
	fmt.Println("helper: the engine returned:", err)
	return 2
}

func readDir(dir string) []os.DirEntry {
	entries, _ := os.ReadDir(dir)
	return entries
}

// helperCmd returns a Config.NewCmd that runs the test binary in mode.
func helperCmd(mode string, env ...string) func(context.Context, Run) *exec.Cmd {
	return func(ctx context.Context, run Run) *exec.Cmd {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+mode, "STRESS_SEED="+strconv.FormatInt(run.Seed, 10),
			// A race-enabled child otherwise sleeps 1s when exiting 0.
			"GORACE=atexit_sleep_ms=0")
		cmd.Env = append(cmd.Env, env...)
		return cmd
	}
}

// alive reports whether pid is a live (non-zombie) process.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return err == syscall.EPERM
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !os.IsNotExist(err)
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

// readPIDs returns the PIDs the helpers wrote into dir.
func readPIDs(t *testing.T, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
