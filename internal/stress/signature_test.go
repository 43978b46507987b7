package stress

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const failureLine = `INTERLEAVE-FAILURE {"signature":"lost message 6","repro":"go test -run X","debug":"interleave debug ..."}`

func TestParseFailure(t *testing.T) {
	f, ok := ParseFailure([]byte("x\n    s_test.go:9: " + failureLine + "\r\nmore\n"))
	assert.True(t, ok)
	assert.Equal(t, Failure{Signature: "lost message 6", Repro: "go test -run X", Debug: "interleave debug ..."}, f)

	f, ok = ParseFailure([]byte("INTERLEAVE-FAILURE not json at all\n"))
	assert.True(t, ok)
	assert.Equal(t, Failure{Signature: "not json at all"}, f)

	f, ok = ParseFailure([]byte(`INTERLEAVE-FAILURE {"signature":"s","repro":null,"debug":{"port":1}}`))
	assert.True(t, ok)
	assert.Equal(t, Failure{Signature: "s", Debug: `{"port":1}`}, f)

	f, ok = ParseFailure([]byte(`INTERLEAVE-FAILURE {"repro":"r"}`))
	assert.True(t, ok)
	assert.Equal(t, Failure{Signature: `{"repro":"r"}`, Repro: "r"}, f)

	_, ok = ParseFailure([]byte("panic: x\n"))
	assert.False(t, ok)
}

func TestDefaultSignature(t *testing.T) {
	cases := []struct {
		name, output, want string
	}{
		{"empty", "", ""},
		{"nothing", "ok\nexit status 1\n", ""},
		{"interleave first", "panic: later\n" + failureLine + "\n", "lost message 6"},
		{"panic", "=== RUN TestX\n--- FAIL: TestX (0.00s)\npanic: boom [recovered]\n\ngoroutine 7 [running]:\n", "panic: boom [recovered]"},
		{"fatal", "fatal error: concurrent map writes\n\ngoroutine 12 [running]:\n", "fatal error: concurrent map writes"},
		{"panic beats race", "WARNING: DATA RACE\npanic: x\n", "panic: x"},
		{"race without stacks", "==================\nWARNING: DATA RACE\n==================\n", "WARNING: DATA RACE"},
		{"race", "==================\nWARNING: DATA RACE\nRead at 0x00c000012345 by goroutine 8:\n  pkg.(*T).get()\n      /x.go:1 +0x1\n\n" +
			"Previous write at 0x00c000012345 by goroutine 7:\n  pkg.(*T).set()\n      /x.go:2 +0x2\n==================\n--- FAIL: TestR (0.01s)\n",
			"WARNING: DATA RACE: Read at pkg.(*T).get() / Previous write at pkg.(*T).set()"},
		{"race beats fail", "--- FAIL: TestA (0.00s)\nWARNING: DATA RACE\n", "WARNING: DATA RACE"},
		{"fail", "=== RUN TestA\n--- FAIL: TestA (0.02s)\n    a_test.go:3: bad\nFAIL\n", "--- FAIL: TestA"},
		{"fail subtest", "--- FAIL: TestA (0.00s)\n    --- FAIL: TestA/sub (0.00s)\n        --- FAIL: TestA/sub/deep (0.00s)\n--- FAIL: TestB (0.00s)\n    --- FAIL: TestB/x (0.00s)\n", "--- FAIL: TestA/sub/deep"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, DefaultSignature([]byte(c.output)), c.name)
	}
}

func TestNormalizeSignature(t *testing.T) {
	assert.Equal(t, "panic: nil map at 0x? in goroutine N", NormalizeSignature("panic: nil map at 0xc0001a2b3c in goroutine 1234"))
	assert.Equal(t, "Goroutine N leaked", NormalizeSignature("Goroutine 17 leaked"))
	assert.Equal(t, "a b", NormalizeSignature("  a \t b\n"))
	assert.Equal(t, "lost message 6", NormalizeSignature("lost message 6"))
	long := NormalizeSignature(strings.Repeat("é", 300))
	assert.True(t, strings.HasSuffix(long, "…"))
	assert.LessOrEqual(t, len(long), maxSignature+len("…"))
	assert.True(t, strings.HasPrefix(strings.Repeat("é", 300), strings.TrimSuffix(long, "…")))
}

func TestCapture(t *testing.T) {
	c := newCapture(10)
	c.Write([]byte("0123"))
	c.Write([]byte("4567"))
	assert.Equal(t, "01234567", string(c.Bytes()))
	c.Write([]byte("89"))
	assert.Equal(t, "0123456789", string(c.Bytes()))
	c.Write([]byte("ab"))
	assert.Equal(t, "01234\n[... interleave stress: 2 bytes of output dropped ...]\n789ab", string(c.Bytes()))
	c.Write([]byte("cdefghijk"))
	assert.Equal(t, "01234\n[... interleave stress: 11 bytes of output dropped ...]\nghijk", string(c.Bytes()))
	for _, b := range []byte("lmn") {
		c.Write([]byte{b})
	}
	assert.Equal(t, "01234\n[... interleave stress: 14 bytes of output dropped ...]\njklmn", string(c.Bytes()))
}
