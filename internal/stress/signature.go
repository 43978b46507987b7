package stress

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"
)

// FailureMarker prefixes the line a scenario child prints to describe its
// failure: "INTERLEAVE-FAILURE {json}", where the JSON object has the string
// fields "signature", "repro" and "debug", and "html" when the child wrote
// the failure's timeline page.
const FailureMarker = "INTERLEAVE-FAILURE"

// Failure is the information a child reports on its INTERLEAVE-FAILURE line.
type Failure struct {
	// Signature identifies the failure, e.g. "lost message 6". Runs with
	// the same signature are grouped together.
	Signature string `json:"signature"`
	// Repro is a command that reproduces the failure deterministically.
	Repro string `json:"repro,omitempty"`
	// Debug is a command that opens the failing schedule in a debugger.
	Debug string `json:"debug,omitempty"`
	// HTML is the path of the failure's timeline page, if the child
	// wrote one.
	HTML string `json:"html,omitempty"`
}

var failureLineRE = regexp.MustCompile(FailureMarker + ` (.*)`)

// ParseFailure finds the first line of output that contains
// "INTERLEAVE-FAILURE <payload>". If the payload is a JSON object its
// "signature", "repro", "debug" and "html" fields are used (non-string values are
// kept as their JSON text); otherwise, or when the object has no signature,
// the payload text itself is the signature.
func ParseFailure(output []byte) (f Failure, ok bool) {
	m := failureLineRE.FindSubmatch(output)
	if m == nil {
		return Failure{}, false
	}
	payload := strings.TrimSpace(string(m[1]))
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(payload), &obj) == nil {
		f.Signature = jsonText(obj["signature"])
		f.Repro = jsonText(obj["repro"])
		f.Debug = jsonText(obj["debug"])
		f.HTML = jsonText(obj["html"])
	}
	if f.Signature == "" {
		f.Signature = payload
	}
	return f, true
}

// jsonText returns a JSON string's value, or the raw text of any other
// non-null JSON value.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

var (
	failTestRE = regexp.MustCompile(`--- FAIL: (\S+)`)
	raceAccess = regexp.MustCompile(`^\s*(.*?) at 0x[0-9a-fA-F]+ by (?:goroutine \d+|main goroutine):\s*$`)
)

const raceMarker = "WARNING: DATA RACE"

// DefaultSignature is the default Config.Signature. It returns, in order of
// preference:
//
//  1. the signature of the first INTERLEAVE-FAILURE line (see ParseFailure);
//  2. the first line that starts with "panic:" or "fatal error:";
//  3. for the first "WARNING: DATA RACE" report, the marker followed by the
//     first frame of each of the two conflicting accesses, e.g.
//     "WARNING: DATA RACE: Write at pkg.f() / Previous read at pkg.g()";
//  4. the first "--- FAIL: Name" line (reduced to its most deeply nested
//     failing subtest, without the duration);
//  5. "" when nothing is recognised; the engine then uses "timeout" for
//     timed-out runs and the exit status ("exit status 2") otherwise.
//
// The engine passes every signature through NormalizeSignature.
func DefaultSignature(output []byte) string {
	if f, ok := ParseFailure(output); ok {
		return f.Signature
	}
	var (
		lines    []string
		panicSig string
		raceAt   = -1
		failName string
	)
	for l := range bytes.Lines(output) {
		line := strings.TrimRight(string(l), "\r\n")
		lines = append(lines, line)
		trimmed := strings.TrimSpace(line)
		if panicSig == "" && (strings.HasPrefix(trimmed, "panic:") || strings.HasPrefix(trimmed, "fatal error:")) {
			panicSig = trimmed
			break // nothing later can win
		}
		if raceAt < 0 && strings.Contains(line, raceMarker) {
			raceAt = len(lines) - 1
		}
		if m := failTestRE.FindStringSubmatch(line); m != nil {
			// Keep descending into subtests of the first failing test.
			if failName == "" || strings.HasPrefix(m[1], failName+"/") {
				failName = m[1]
			}
		}
	}
	switch {
	case panicSig != "":
		return panicSig
	case raceAt >= 0:
		return raceSignature(lines[raceAt:])
	case failName != "":
		return "--- FAIL: " + failName
	}
	return ""
}

// raceSignature summarises a race detector report that starts at lines[0].
func raceSignature(lines []string) string {
	var parts []string
	for i := 1; i < len(lines) && i < 200 && len(parts) < 2; i++ {
		if strings.HasPrefix(lines[i], "==================") {
			break
		}
		m := raceAccess.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		fn := ""
		for j := i + 1; j < len(lines) && j < i+4; j++ {
			if t := strings.TrimSpace(lines[j]); t != "" {
				fn = t
				break
			}
		}
		parts = append(parts, strings.TrimSpace(m[1]+" at "+fn))
	}
	if len(parts) == 0 {
		return raceMarker
	}
	return raceMarker + ": " + strings.Join(parts, " / ")
}

var (
	hexRE       = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	goroutineRE = regexp.MustCompile(`(?i)(goroutine) \d+`)
	spaceRE     = regexp.MustCompile(`\s+`)
)

// maxSignature is the longest signature kept, in bytes.
const maxSignature = 240

// NormalizeSignature makes signatures of the same failure compare equal:
// hexadecimal numbers (addresses, PCs) become "0x?", goroutine numbers become
// "goroutine N", runs of white space become one space, and very long
// signatures are truncated.
func NormalizeSignature(s string) string {
	s = hexRE.ReplaceAllString(s, "0x?")
	s = goroutineRE.ReplaceAllString(s, "$1 N")
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	if len(s) > maxSignature {
		cut := maxSignature
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
