//go:build unix

package main

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/internal/stress"
	"github.com/interleave/interleave/pgbackend"
)

// jsonKeys are the JSON keys of a struct type's fields.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// TestStressReportJSONKeys: a report in JSON has every key of both its
// parts. Two embedded structs that declare the same key drop it from the
// JSON altogether: stress --json once never had "aborted".
func TestStressReportJSONKeys(t *testing.T) {
	data, err := json.Marshal(stressReportJSON{Report: &stress.Report{}, pgReportJSON: &pgReportJSON{}})
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(data, &got))
	for _, typ := range []reflect.Type{reflect.TypeFor[stress.Report](), reflect.TypeFor[pgReportJSON](), reflect.TypeFor[stressReportJSON]()} {
		for _, key := range jsonKeys(typ) {
			if key == "name" || key == "out_dir" || key == "by_property" || key == "failure_messages" {
				continue // omitempty
			}
			require.Contains(t, got, key, "%s's key", typ)
		}
	}
}

// counts reads the counts of a report's text: "N runs in T: N failures
// (N timeouts), N ignored, N aborted" and "failure rate: F/R".
func counts(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	m := regexp.MustCompile(`(?m)^\S+: (\d+) runs? in \S+: (\d+) failures?(?: \((\d+) timeouts?\))?(?:, (\d+) ignored)?(?:, (\d+) aborted)?$`).FindStringSubmatch(text)
	require.NotNil(t, m, text)
	for i, key := range []string{"runs", "failures", "timeouts", "ignored", "aborted"} {
		n, _ := strconv.Atoi(m[i+1])
		out[key] = float64(n)
	}
	return out
}

// TestStressJSONMatchesText: the JSON of a report says what its text says.
func TestStressJSONMatchesText(t *testing.T) {
	rep := &stress.Report{Name: "naive", Runs: 7, Failures: 3, Ignored: 1, Timeouts: 1, Aborted: 2, Elapsed: time.Second, Groups: []stress.Group{}}
	text := rep.Text()
	require.Contains(t, text, "naive: 7 runs in 1s: 3 failures (1 timeout), 1 ignored, 2 aborted\n")
	js, _ := reportsJSON([]*stress.Report{rep}, nil)
	data, err := json.Marshal(js[0])
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(data, &got))
	for key, n := range counts(t, text) {
		require.Equal(t, n, got[key], key)
	}
	require.Contains(t, text, "failure rate: "+got["rate"].(string)+"\n")
}

// TestStressPGErrorsApart: pg runs that ended in an error have no
// verdict: they are reported apart, not in the rate's denominator (once
// 0/278 with 5 errors), in the text and the JSON alike, and runs aborted
// by Ctrl-C are in the JSON too.
func TestStressPGErrorsApart(t *testing.T) {
	rep, x := pgReports("fixed", pgbackend.StressResult{Runs: 278, Errors: 5, Violations: 2, Aborted: 3, PublishInversions: 4, Elapsed: time.Second})
	line := pgSummary(rep, x)
	require.Equal(t, "fixed: 2/273 = 0.73% (95% CI 0.20%–2.63%) violated the oracle (3 runs in flight aborted, not counted); 5 errors without a verdict, not in the rate; out of ID order: cache appends in 4 runs, notifies in 0, commits in 0; 1s", line)
	js, _ := reportsJSON([]*stress.Report{rep}, []*pgReportJSON{x})
	data, err := json.Marshal(js[0])
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(data, &got))
	require.EqualValues(t, 273, got["runs"])
	require.EqualValues(t, 2, got["failures"])
	require.EqualValues(t, 5, got["errors"])
	require.EqualValues(t, 3, got["aborted"])
	require.Contains(t, line, got["rate"].(string))
}

// TestPGProgressFromTheStart: on a terminal the live line is drawn as soon
// as the runs start, before any has finished, and cleared at the end.
func TestPGProgressFromTheStart(t *testing.T) {
	var buf syncBuffer
	p := startPGProgress(&buf, true, 10)
	require.Eventually(t, func() bool {
		return strings.Contains(buf.String(), "] 0/10 runs, 0 violated the oracle (0.00%), 0 errors, ")
	}, hangLimit, time.Millisecond)
	p.update(pgbackend.StressResult{Runs: 5, Violations: 1, Errors: 1})
	require.Eventually(t, func() bool {
		return strings.Contains(buf.String(), "\r[============            ] 5/10 runs, 1 violated the oracle (25.00%), 1 errors, ")
	}, hangLimit, time.Millisecond)
	p.stop()
	require.True(t, strings.HasSuffix(buf.String(), "\r"), "the live line is cleared: %q", buf.String())
}
