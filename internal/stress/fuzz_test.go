package stress

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseFailure feeds arbitrary child output to what reads it: the
// failure line, the default signature and the summary line. None may
// panic; a signature is one line of at most maxSignature bytes (and a
// "…").
func FuzzParseFailure(f *testing.F) {
	f.Add([]byte(`INTERLEAVE-FAILURE {"signature":"lost message 6","repro":"go test -run x"}` + "\n"))
	f.Add([]byte("INTERLEAVE-FAILURE not json\n--- FAIL: TestX/y (0.00s)\n"))
	f.Add([]byte("==================\nWARNING: DATA RACE\nWrite at 0x00c by goroutine 7:\n  main.f()\n"))
	f.Add([]byte("panic: boom\n\ngoroutine 1 [running]:\n"))
	f.Add([]byte("INTERLEAVE-SUMMARY {\"first_seed\":1,\"seeds\":2,\"schedules\":3}\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		_, _ = ParseFailure(out)
		_, _ = ParseSummary(out)
		sig := NormalizeSignature(DefaultSignature(out))
		for _, r := range sig {
			if r == '\n' {
				t.Fatalf("signature %q: want one line", sig)
			}
		}
		if len(sig) > maxSignature+len("…") || !utf8.ValidString(sig) && utf8.Valid(out) {
			t.Fatalf("signature %q: want at most %d bytes of text", sig, maxSignature)
		}
	})
}
