package main

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"syscall"

	"github.com/interleave/interleave/scenarios"
)

var (
	dbgLogPrefix = regexp.MustCompile(`^[\w.-]+_test\.go:\d+: `)
	dbgTraceHash = regexp.MustCompile(`^\d+ steps, \d+ preemptions, trace hash (\S+)$`)
)

// dbgParseVerdict reads the oracle's verdict out of the test binary's
// output: a failing schedule prints its report (the summary line with
// ": fail: ", the "=>" lines, "To reproduce: ..."), a passing one PASS.
func dbgParseVerdict(output string, exitStatus int) (dbgVerdict, error) {
	v := dbgVerdict{ExitStatus: exitStatus}
	if strings.Contains(output, "testing: warning: no tests to run") {
		return v, errors.New("the test binary ran no test: no TestScenarios subtest matches the schedule")
	}
	if strings.Contains(output, "--- SKIP: TestReplay") {
		return v, errors.New("the test binary skipped TestReplay: it was given no schedule file")
	}
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = dbgLogPrefix.ReplaceAllString(line, "")
		switch {
		case v.Summary == "":
			if strings.Contains(line, ": fail: ") {
				v.Summary = line
			}
		case v.TraceHash == "" && dbgTraceHash.MatchString(line):
			v.TraceHash = dbgTraceHash.FindStringSubmatch(line)[1]
		case strings.HasPrefix(line, "=> "):
			v.Violations = append(v.Violations, strings.TrimPrefix(line, "=> "))
		case strings.HasPrefix(line, "To reproduce: "):
			v.Repro = strings.TrimPrefix(line, "To reproduce: ")
		}
		if v.Repro != "" {
			break
		}
	}
	switch {
	case exitStatus == 0 && v.Summary == "" && dbgPassed(output):
		v.Verdict = string(scenarios.Pass)
	case exitStatus == 1 && v.Summary != "":
		v.Verdict = string(scenarios.Fail)
	default:
		// No verdict: the program crashed or was killed, or ended
		// without the schedule's report.
		v.Verdict = dbgDied
		v.Died = dbgDeath(exitStatus, v.Summary != "")
		v.Summary, v.Violations, v.Repro = "", nil, ""
		lines := strings.Split(strings.TrimSpace(output), "\n")
		if len(lines) > 20 {
			lines = lines[len(lines)-20:]
		}
		v.Output = strings.Join(lines, "\n")
	}
	return v, nil
}

// dbgDied is the verdict of a program that ended without one.
const dbgDied = "died"

// dbgPassed reports whether a test binary's output ends in its PASS line:
// a program that exits 0 without it did not finish its tests.
func dbgPassed(output string) bool {
	for line := range strings.Lines(output) {
		if strings.TrimSpace(line) == "PASS" {
			return true
		}
	}
	return false
}

// dbgDeath says how a program without a verdict ended.
func dbgDeath(exitStatus int, reported bool) string {
	switch {
	case exitStatus < 0:
		sig := syscall.Signal(-exitStatus)
		return fmt.Sprintf("killed by signal %d (%v)", -exitStatus, sig)
	case exitStatus == 0:
		return "exited 0 without the tests' PASS"
	case reported:
		return fmt.Sprintf("exit status %d after the report (a test binary that fails exits 1)", exitStatus)
	}
	return fmt.Sprintf("exit status %d without the schedule's report", exitStatus)
}
