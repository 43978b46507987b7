package shell

import (
	"os/exec"
	"testing"
)

func TestQuotedLinesRunExactlyTheirArguments(t *testing.T) {
	args := []string{"plain", "with space", "it's", "$(touch /tmp/x)", "`x`", "a;b", "", "-run='^T$'", "x\ny"}
	out, err := exec.Command("sh", "-c", "printf '%s|' "+Join(args...)).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, a := range args {
		want += a + "|"
	}
	if string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
	if Quote("a/b-c.d=1") != "a/b-c.d=1" {
		t.Fatalf("a plain argument was quoted: %s", Quote("a/b-c.d=1"))
	}
}
