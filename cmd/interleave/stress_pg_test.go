package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/internal/stress"
	"github.com/interleave/interleave/pgstore"
)

// TestStressPG runs the promote workload on the real PostgreSQL of
// INTERLEAVE_PG_DSN (make test starts one; locally without it the test
// skips and says how to enable it, in CI it fails) under naive and fixed.
// fixed must never violate the oracle; naive's rate is reported, as the
// race may or may not show in 40 runs on a real database. The catch-up
// query orders by id: by created_at the promote's rows tie, and the stored
// history's order would be the database's choice, under any strategy.
func TestStressPG(t *testing.T) {
	dsn := pgstore.TestDSN(t)
	r := interleave(t, "stress", "-backend", "pg", "-dsn", dsn, "-compare", "naive,fixed", "-count", "40", "-p", "4", "-order-by", "id")
	require.Contains(t, []int{0, 1}, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	out := r.stdout
	require.Contains(t, out, "stress naive on PostgreSQL: 40 runs of promote-while-requires-action, 4 chats at once, pool 12, jitter 0.3, row lock on, order by id")
	require.Regexp(t, `(?m)^naive: \d+/40 = [\d.]+% \(95% (CI|upper bound) `, out)
	require.Regexp(t, `(?m)^fixed: 0/40 = 0% \(95% upper bound 8\.\d+%\) violated the oracle; 0 errors; out of ID order: cache appends in \d+ runs`, out)
	require.Contains(t, out, "Fisher's exact test: p=")
	naive := regexp.MustCompile(`(?m)^naive: (\d+)/40`).FindStringSubmatch(out)
	if naive[1] == "0" {
		require.Equal(t, 0, r.code)
	} else {
		require.Equal(t, 1, r.code, "violations exit 1")
		require.Contains(t, out, "oracle: sub: exactly once: message #")
	}
	t.Logf("%s", out)

	// The report object has -backend mem's shape, with pg's measurements
	// added.
	j := interleave(t, "stress", "-backend", "pg", "-dsn", dsn, "-strategy", "fixed", "-count", "8", "-p", "2", "-order-by", "id", "--json")
	require.Equal(t, 0, j.code, j.stderr)
	obj := decode[map[string]any](t, j)
	require.Equal(t, "pg", obj["backend"])
	require.Equal(t, "on", obj["row_lock"])
	require.Equal(t, "id", obj["order_by"])
	require.Equal(t, []any{"promote-while-requires-action"}, obj["scenarios"])
	require.Equal(t, false, obj["interrupted"])
	require.EqualValues(t, 2, obj["concurrency"])
	reps := obj["reports"].([]any)
	require.Len(t, reps, 1)
	rep := reps[0].(map[string]any)
	mem := stressReportJSON{Report: &stress.Report{}}
	data, err := json.Marshal(mem)
	require.NoError(t, err)
	var memKeys map[string]any
	require.NoError(t, json.Unmarshal(data, &memKeys))
	for key := range memKeys {
		require.Contains(t, rep, key, "a key of -backend mem's reports")
	}
	require.Equal(t, "fixed", rep["strategy"])
	require.EqualValues(t, 8, rep["runs"])
	require.EqualValues(t, 0, rep["failures"])
	require.EqualValues(t, 0, rep["failure_rate"])
	require.EqualValues(t, 0, rep["errors"])
	require.Contains(t, rep, "publish_inversions")
}

// TestStressPGInterrupt interrupts a long naive run once it has shown its
// progress (a status line every 5 seconds, or a live line on a terminal:
// it once said nothing until a strategy's runs were done): the summary
// covers the runs that finished, the JSON counts the runs aborted, and
// the exit status is 130, whatever was found.
func TestStressPGInterrupt(t *testing.T) {
	dsn := pgstore.TestDSN(t)
	cmd := exec.Command(interleaveBin, "stress", "-backend", "pg", "-dsn", dsn, "-strategy", "naive", "-count", "100000", "-p", "4", "--json")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stderr)
	require.True(t, sc.Scan())
	require.Contains(t, sc.Text(), "stress naive on PostgreSQL: 100000 runs")
	require.True(t, sc.Scan())
	require.Regexp(t, `^5s: [1-9]\d*/100000 runs, \d+ violated the oracle \(\d+\.\d\d%\), 0 errors$`, sc.Text())
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(hangLimit):
		t.Fatal("stress -backend pg did not stop")
	}
	require.Contains(t, rest.String(), "interleave: interrupted: the summary covers the runs that finished\n")
	out := decode[map[string]any](t, result{stdout: stdout.String(), stderr: rest.String()})
	require.Equal(t, true, out["interrupted"])
	rep := out["reports"].([]any)[0].(map[string]any)
	require.Positive(t, rep["runs"])
	require.Contains(t, rep, "aborted")
	require.Contains(t, rest.String(), fmt.Sprintf(" (%v runs in flight aborted, not counted)", rep["aborted"]))
	t.Logf("%v runs, %v failures, %v aborted by the interrupt", rep["runs"], rep["failures"], rep["aborted"])
	require.Equal(t, 130, cmd.ProcessState.ExitCode())
}

func TestStressPGBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-count", "5", "-dsn", "postgres://postgres@127.0.0.1:1/x?sslmode=disable"},
			"interleave: postgres: open: pgstore: cannot reach PostgreSQL at 127.0.0.1:1: "},
		{[]string{"-count", "0", "-dsn", "postgres://x@127.0.0.1:1/x"}, "interleave: -backend pg needs -count: the number of runs per strategy"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "out-of-order"}, "interleave: -backend pg runs promote-while-requires-action only, not \"out-of-order\""},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-race"},
			"interleave: -backend pg does not take -race (flags of the child binaries of -backend mem; the pg runs are in this process: build interleave itself with -race instead)\n"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-mode", "wild", "-timeout", "1m", "-schedules", "3"},
			"interleave: -backend pg does not take -mode, -schedules, -timeout (flags of the child binaries of -backend mem)\n"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-failfast", "-search", "random", "-depth", "2"},
			"interleave: -backend pg does not take -search, -depth, -failfast (flags of the child binaries of -backend mem)\n"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-pool", "0"}, "interleave: -pool 0: want a number of connections from 1 to 4096\n"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-pool", "-2"}, "interleave: -pool -2: want a number of connections from 1 to 4096\n"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-jitter", "1.5"}, "interleave: -jitter 1.5: want a probability in [0, 1]\n"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-row-lock", "maybe"}, "interleave: -row-lock \"maybe\": want on or off\n"},
		{[]string{"-count", "5", "-dsn", "postgres://x@127.0.0.1:1/x", "-order-by", "time"}, "interleave: -order-by \"time\": want created-at or id\n"},
	} {
		r := interleave(t, append([]string{"stress", "-backend", "pg"}, c.args...)...)
		require.Equal(t, 2, r.code, "%v: %s", c.args, r.stderr)
		require.Contains(t, r.stderr, c.want)
		require.Empty(t, r.stdout)
	}
	r := invocation{env: []string{"INTERLEAVE_PG_DSN="}}.run(t, "stress", "-backend", "pg", "-count", "5")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "-backend pg needs a database: pass -dsn or set INTERLEAVE_PG_DSN (make pg-up starts one and prints it)")
	r = interleave(t, "stress", "-row-lock", "off", "-count", "5")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, "interleave: -backend mem does not take -row-lock (flags of -backend pg)")
	r = interleave(t, "stress", "-backend", "sqlite", "-count", "5")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.stderr, `unknown backend "sqlite" (known: mem, pg)`)
}
