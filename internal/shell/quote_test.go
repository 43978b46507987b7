package shell

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile are arguments that would run or change something if pasted
// unquoted.
var hostile = []string{
	"/tmp/my dir/x.test", "-test.run=^TestStress$", "plain-arg_1.2,a:b@c+d", "it's", "", "$HOME",
	`a\b`, "*", "x;y", "a\nb", "$(touch /tmp/pwned)", "`touch /tmp/pwned`", "../../x", "=ls",
	`"double"`, "a|b&c>d<e", "~root", "{a,b}", "!!", "#comment", "\t", "é",
}

func TestQuote(t *testing.T) {
	assert.Equal(t, "plain-arg_1.2,a:b@c+d", Quote("plain-arg_1.2,a:b@c+d"))
	assert.Equal(t, "'it'\\''s'", Quote("it's"))
	assert.Equal(t, "''", Quote(""))
	assert.Equal(t, "'$(touch /tmp/pwned)'", Quote("$(touch /tmp/pwned)"))
	assert.Equal(t, "'=ls'", Quote("=ls"), "zsh expands a word that starts with =")
	assert.Equal(t, "'/tmp/my dir/x.test' '-test.run=^TestStress$' plain-arg_1.2,a:b@c+d 'it'\\''s' ''",
		Join(hostile[:5]...))
}

// TestJoinReadsBack: a joined command line reads back, through each shell
// installed, as exactly the arguments it was made of.
func TestJoinReadsBack(t *testing.T) {
	line := Join(hostile...)
	ran := 0
	for _, sh := range []string{"sh", "bash", "zsh", "dash"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		ran++
		out, err := exec.Command(path, "-c", "set -- "+line+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
		require.NoError(t, err, sh)
		assert.Equal(t, hostile, strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"), sh)
	}
	require.NotZero(t, ran, "no shell found")
}
