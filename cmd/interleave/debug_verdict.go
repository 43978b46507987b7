package main

import (
	"bufio"
	"errors"
	"regexp"
	"strings"

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
	case exitStatus == 0 && v.Summary == "":
		v.Verdict = string(scenarios.Pass)
	default:
		v.Verdict = string(scenarios.Fail)
		if v.Summary == "" {
			lines := strings.Split(strings.TrimSpace(output), "\n")
			if len(lines) > 20 {
				lines = lines[len(lines)-20:]
			}
			v.Output = strings.Join(lines, "\n")
		}
	}
	return v, nil
}
