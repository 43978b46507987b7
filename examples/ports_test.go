// Package examples_test counts what porting each example from plain Go
// took, and checks the table in the README says the same.
package examples_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ports are the examples with a plain-Go original, as in the README table.
var ports = []string{"bank", "mailbox", "batcher", "workerpool"}

// diff counts the lines a port changed against its original: added (or
// rewritten) lines of the port, removed lines of the original, and how many
// of the added ones are import lines. It is a longest-common-subsequence
// line diff, as diff(1) computes.
type diff struct{ original, added, removed, imports int }

func count(original, port []string) diff {
	n, m := len(original), len(port)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if original[i] == port[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	// isImport marks the port's lines of import declarations.
	isImport := make([]bool, m)
	for j, inBlock := 0, false; j < m; j++ {
		line := strings.TrimSpace(port[j])
		switch {
		case strings.HasPrefix(line, "import ("):
			inBlock = true
			isImport[j] = true
		case inBlock:
			isImport[j] = true
			inBlock = line != ")"
		default:
			isImport[j] = strings.HasPrefix(line, "import ")
		}
	}
	d := diff{original: n}
	for i, j := 0, 0; i < n || j < m; {
		switch {
		case i < n && j < m && original[i] == port[j]:
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			d.added++
			if isImport[j] {
				d.imports++
			}
			j++
		default:
			d.removed++
			i++
		}
	}
	return d
}

func lines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

// row is the start of the README table's row of a port (the columns that
// follow describe the bug and the proof).
func (d diff) row(name string) string {
	return fmt.Sprintf("| `%s` | %d | %d | %d | %d |", name, d.original, d.added, d.removed, d.imports)
}

func TestPortsTableMatchesTheCode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, p := range ports {
		d := count(lines(t, filepath.Join(p, "original", p+".go")), lines(t, filepath.Join(p, p+".go")))
		row := d.row(p)
		t.Log(row)
		if !strings.Contains(readme, row+" ") {
			t.Errorf("README.md lacks the row %q (port %s changed %d lines, %d of them imports, and removed %d)", row, p, d.added, d.imports, d.removed)
		}
	}
}

func TestCountIsADiff(t *testing.T) {
	d := count([]string{"package p", "import \"sync\"", "a", "b", "go f()", "c"},
		[]string{"package p", "import (", "\t\"x/chans\"", "\t\"x/sync\"", ")", "a", "b", "chans.Go(f)", "c"})
	if d != (diff{original: 6, added: 5, removed: 2, imports: 4}) {
		t.Fatalf("got %+v", d)
	}
}
