// Package browsertest runs pages in a real, headless Chromium for tests,
// driven through the DevTools protocol by chromedp.
//
// The browser is Debian's chromium (/usr/bin/chromium), or the one named by
// INTERLEAVE_CHROMIUM. Without it a test skips, saying how to install it
// (make chromium); under CI (CI set) a missing browser fails the test. Each
// Start launches a browser of its own with a fresh user data directory and
// flags that keep it off the network, and its cleanup checks that no
// process of that browser is left.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Enable is the line a skipped test prints.
const Enable = "no Chromium here: run `make chromium` (apt-get install -y chromium) or set INTERLEAVE_CHROMIUM to a Chromium binary"

// Path returns the Chromium binary: $INTERLEAVE_CHROMIUM, else chromium
// (or chromium-browser) on PATH.
func Path() (string, error) {
	if p := os.Getenv("INTERLEAVE_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("INTERLEAVE_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s", Enable)
}

// Need returns the Chromium binary, or ends the test: a skip that says how
// to enable it, or under CI a failure.
func Need(t testing.TB) string {
	t.Helper()
	p, err := Path()
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI needs Chromium for the browser tests: %v", err)
	}
	t.Skip(err.Error())
	return ""
}

// Flags are the command-line flags of every browser Start launches: headless,
// and nothing that reaches for the network on its own (this machine's
// network is closed, and a test must not depend on one).
var Flags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"disable-background-networking", "disable-component-update", "disable-sync",
	"no-default-browser-check", "disable-extensions", "disable-dev-shm-usage",
	"hide-scrollbars", "mute-audio",
}

// Browser is one running Chromium.
type Browser struct {
	ctx     context.Context
	dataDir string
}

// Start launches Chromium with a window of width x height CSS pixels. It
// is stopped at the end of t, and t fails if any of its processes is still
// there a few seconds later.
func Start(t testing.TB, width, height int) *Browser {
	t.Helper()
	bin := Need(t)
	dir, err := os.MkdirTemp("", "interleave-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(bin), chromedp.UserDataDir(dir), chromedp.WindowSize(width, height)}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{ctx: ctx, dataDir: dir}
	t.Cleanup(func() {
		cancel()
		acancel()
		if left := waitGone(dir, 5*time.Second); len(left) > 0 {
			t.Errorf("Chromium processes left behind after the test: pids %v; killed them", left)
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		os.RemoveAll(dir)
	})
	// The first action starts the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return b
}

// Processes returns the pids of the processes running with this browser's
// user data directory: the browser and its children (Chromium passes the
// flag to every child).
func (b *Browser) Processes() []int { return processesUsing(b.dataDir) }

// processesUsing lists the processes with --user-data-dir=dir on their
// command line (a zombie has none, and is gone for this purpose).
func processesUsing(dir string) []int {
	want := []byte("--user-data-dir=" + dir)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for arg := range bytes.SplitSeq(cmd, []byte{0}) {
			if bytes.Equal(arg, want) {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

func waitGone(dir string, limit time.Duration) []int {
	deadline := time.Now().Add(limit)
	for {
		left := processesUsing(dir)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Tab is one page of the browser, with what it reported: console messages,
// uncaught exceptions, log entries (such as Content-Security-Policy
// violations), JavaScript dialogs and the URLs it requested.
type Tab struct {
	Ctx context.Context

	mu       sync.Mutex
	problems []string
	requests []string
}

// Tab opens a new tab; it closes at the end of t.
func (b *Browser) Tab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	tab := &Tab{Ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		tab.mu.Lock()
		defer tab.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			tab.problems = append(tab.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tab.problems = append(tab.problems, fmt.Sprintf("exception at %d:%d: %s", d.LineNumber, d.ColumnNumber, msg))
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				tab.problems = append(tab.problems, fmt.Sprintf("log %s (%s): %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text))
			}
		case *page.EventJavascriptDialogOpening:
			tab.problems = append(tab.problems, fmt.Sprintf("dialog %s: %s", ev.Type, ev.Message))
			// A listener must not wait for the browser: dismiss from
			// another goroutine.
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *network.EventRequestWillBeSent:
			tab.requests = append(tab.requests, ev.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tab
}

// Problems returns the console messages, exceptions, warnings, errors and
// dialogs reported so far. A page that works reports none.
func (tab *Tab) Problems() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.problems...)
}

// Requests returns the URLs the page requested so far.
func (tab *Tab) Requests() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.requests...)
}

// Do runs chromedp actions in the tab, with a time limit so that a page
// that never answers fails the test instead of hanging it.
func (tab *Tab) Do(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("in the browser: %v", err)
	}
}

// Eval evaluates a JavaScript expression in the tab and returns its value
// (awaited, when it is a promise).
func Eval[T any](t testing.TB, tab *Tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// GrantClipboard lets pages of the browser read and write the clipboard
// (headless Chromium asks no one, and would refuse).
func (tab *Tab) GrantClipboard(t testing.TB) {
	t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(tab.Ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted})
		if err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
}

// Screenshot returns a PNG of what the tab shows.
func (tab *Tab) Screenshot(t testing.TB) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, 30*time.Second)
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return b
}

// Ink measures how much a PNG shows: the number of distinct colours, and
// the share of pixels that differ from the most common one (the
// background). A blank page has one colour and no ink.
func Ink(pngData []byte) (colours int, ink float64, err error) {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return 0, 0, err
	}
	count := map[color.RGBA]int{} // looked up by key; the maximum is order-free
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			count[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}]++
		}
	}
	most := 0
	for _, n := range count {
		most = max(most, n)
	}
	total := bounds.Dx() * bounds.Dy()
	if total == 0 {
		return 0, 0, nil
	}
	return len(count), float64(total-most) / float64(total), nil
}

// processAlive reports whether pid is a live process (not a zombie).
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}
