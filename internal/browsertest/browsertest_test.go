package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records a skip or a fatal failure and
// stops the goroutine that ran into it, as the testing package does.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()          {}
func (r *recorder) Skip(args ...any) { r.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatalf(f string, args ...any) {
	r.failed = fmt.Sprintf(f, args...)
	runtime.Goexit()
}

func need(t *testing.T) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Need(r)
	}()
	<-done
	return r
}

func TestNeedWithoutABrowserSkipsOrFailsUnderCI(t *testing.T) {
	t.Setenv("INTERLEAVE_CHROMIUM", "/nonexistent/chromium")
	t.Setenv("CI", "")
	r := need(t)
	if r.failed != "" || !strings.Contains(r.skipped, "INTERLEAVE_CHROMIUM=/nonexistent/chromium") {
		t.Errorf("outside CI: skipped %q, failed %q; want a skip naming the variable", r.skipped, r.failed)
	}
	t.Setenv("CI", "true")
	r = need(t)
	if r.skipped != "" || !strings.HasPrefix(r.failed, "CI needs Chromium for the browser tests: ") {
		t.Errorf("under CI: skipped %q, failed %q; want a failure", r.skipped, r.failed)
	}
}

func TestPathSaysHowToEnable(t *testing.T) {
	t.Setenv("INTERLEAVE_CHROMIUM", "")
	t.Setenv("PATH", t.TempDir())
	_, err := Path()
	if err == nil || err.Error() != Enable {
		t.Errorf("no browser on PATH: %v, want %q", err, Enable)
	}
	if !strings.Contains(Enable, "make chromium") || !strings.Contains(Enable, "apt-get install -y chromium") {
		t.Errorf("the line does not say how to enable the tests: %s", Enable)
	}
}

func pngOf(t *testing.T, draw func(img *image.RGBA)) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	draw(img)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestInk(t *testing.T) {
	colours, ink, err := Ink(pngOf(t, func(*image.RGBA) {}))
	if err != nil || colours != 1 || ink != 0 {
		t.Errorf("blank: %d colours, ink %v, %v", colours, ink, err)
	}
	colours, ink, err = Ink(pngOf(t, func(img *image.RGBA) {
		for x := range 40 {
			for y := range 5 {
				img.Set(x, y, color.RGBA{uint8(x), 0, 0, 255})
			}
		}
	}))
	if err != nil || colours != 41 || ink != 0.25 {
		t.Errorf("a quarter drawn in 40 colours: %d colours, ink %v, %v", colours, ink, err)
	}
	if _, _, err := Ink([]byte("not a png")); err == nil {
		t.Error("no error for a PNG that is not one")
	}
}

// A browser started for a test is gone, with every process it started,
// when the test ends.
func TestStartLeavesNoProcessBehind(t *testing.T) {
	var pids []int
	var dir string
	t.Run("browser", func(t *testing.T) {
		b := Start(t, 400, 300)
		tab := b.Tab(t)
		if got := Eval[int](t, tab, `6 * 7`); got != 42 {
			t.Errorf("6 * 7 = %d", got)
		}
		pids, dir = b.Processes(), b.dataDir
		if len(pids) == 0 {
			t.Fatal("no process found with the browser's user data directory")
		}
	})
	if t.Skipped() || len(pids) == 0 {
		return
	}
	if left := processesUsing(dir); len(left) > 0 {
		t.Errorf("processes %v of the browser are still there after its test", left)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for processAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if processAlive(pid) {
			t.Errorf("browser process %d is still alive", pid)
		}
	}
}
