package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// documentedCommands returns the commands of a markdown file: each line of
// a fenced code block (without a "$ " prompt; a command that a YAML block
// folds over several lines joined up), and each inline code span that
// starts with interleave or go run ./cmd/interleave.
func documentedCommands(text string) []string {
	var out []string
	inBlock := false
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock {
			for _, m := range regexp.MustCompile("`((?:go run \\./cmd/)?interleave [^`]+)`").FindAllStringSubmatch(line, -1) {
				out = append(out, m[1])
			}
			continue
		}
		cmd := strings.TrimPrefix(strings.TrimSpace(line), "$ ")
		if cmd == "" || strings.HasPrefix(cmd, "#") {
			continue
		}
		// A command folded over lines of the same indentation (YAML >).
		indent := len(line) - len(strings.TrimLeft(line, " "))
		for i+1 < len(lines) && indent > 0 {
			next := lines[i+1]
			if t := strings.TrimLeft(next, " "); t == "" || len(next)-len(t) != indent || strings.HasPrefix(t, "- ") || strings.HasSuffix(t, ":") {
				break
			}
			cmd += " " + strings.TrimSpace(next)
			i++
		}
		out = append(out, cmd)
	}
	return out
}

var (
	// A stress run: the stress command (interleave's, or x/tools') with
	// flags; "stress naive: ..." in pasted output is not one.
	stressRE = regexp.MustCompile(`(^|\s)stress\s+-`)
	countRE  = regexp.MustCompile(`\s-count[ =]\d`)
)

// TestDocumentedCommandsEnd: every command README.md, STRESS.md and
// FINDINGS.md show ends by itself when pasted: each stress run (interleave
// stress, or x/tools stress) has a -count, each fuzzing a -fuzztime. (STRESS.md's
// "stress -mode wild -race" once ran until interrupted.)
func TestDocumentedCommandsEnd(t *testing.T) {
	stressRuns, fuzzing := 0, 0
	for _, doc := range []string{"README.md", "STRESS.md", "FINDINGS.md"} {
		data, err := os.ReadFile(filepath.Join(repoDir, doc))
		require.NoError(t, err)
		for _, cmd := range documentedCommands(string(data)) {
			if stressRE.MatchString(cmd) {
				require.Regexp(t, countRE, cmd, "%s: a stress run without -count runs until interrupted", doc)
				stressRuns++
			}
			if strings.Contains(cmd, " -fuzz ") {
				require.Contains(t, cmd, "-fuzztime", "%s: fuzzing without -fuzztime runs until interrupted", doc)
				fuzzing++
			}
		}
	}
	require.GreaterOrEqual(t, stressRuns, 15, "the stress commands were found")
	require.GreaterOrEqual(t, fuzzing, 1, "the fuzzing command was found")
}

func TestDocumentedCommands(t *testing.T) {
	got := documentedCommands("text `interleave stress -count 3` and\n```yaml\n      - run: >\n          go run ./cmd/interleave stress -mode wild\n          -count 7680\n      - uses: x\n```\n```\n$ interleave list\nnot a command\n```\n")
	require.Equal(t, []string{"interleave stress -count 3", "- run: >", "go run ./cmd/interleave stress -mode wild -count 7680", "- uses: x", "interleave list", "not a command"}, got)
}
