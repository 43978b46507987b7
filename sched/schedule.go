package sched

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ScheduleVersion is the version of the schedule text form this package
// writes. It reads every version from 1 up: the syntax is the same, and
// version 2 changed what some metadata fields mean to the scenarios package
// (which reads Schedule.Version to interpret them).
const ScheduleVersion = 2

// scheduleHeader is the first line of every schedule file.
const scheduleHeader = "interleave-schedule v"

// Limits of the text form ParseSchedule reads, so that no input can make
// it use unbounded memory: a schedule longer than MaxScheduleBytes, or with
// more than MaxScheduleChoices choices, is an error. A run takes at most
// DefaultMaxSteps steps unless told otherwise, so real schedules are far
// below both.
const (
	MaxScheduleBytes   = 16 << 20
	MaxScheduleChoices = 1 << 20
)

// ChoiceKind tells a task choice from a value choice.
type ChoiceKind uint8

const (
	// TaskChoice records the ID of the task picked.
	TaskChoice ChoiceKind = iota
	// ValueChoice records the value of a Runtime.Choose.
	ValueChoice
)

// Choice is one real decision of a run (forced steps are not recorded).
type Choice struct {
	Kind  ChoiceKind
	Value int
}

// MetaField is a key and value carried by a schedule, such as the scenario
// and strategy that produced it.
type MetaField struct {
	Key, Value string
}

// Schedule is the list of choices of a run, and replaying it gives the same
// run. Its text form (version 2; version 1 has the same syntax):
//
//	interleave-schedule v2
//	@scenario promote-while-requires-action
//	@strategy naive
//	t1 t2 t1 v0 t3
//	# comments and blank lines are ignored
//
// The header comes first. A line starting with @ is a metadata field: a key
// of letters, digits, '.', '_' or '-', one space, and a value running to the
// end of the line (no surrounding spaces, no control characters but tabs).
// Other lines hold choices separated by spaces: t<id> picks task <id>, v<n>
// is value n of a Choose. A schedule holds at most MaxScheduleChoices
// choices in at most MaxScheduleBytes.
type Schedule struct {
	Meta    []MetaField
	Choices []Choice
	// Version is the version of the text form the schedule was parsed
	// from; 0 for a schedule made in memory. String always writes
	// ScheduleVersion.
	Version int
}

// validMetaKey reports whether key is one or more letters, digits, '.', '_'
// or '-'. (Set runs for every schedule an exploration makes: a loop, not a
// regular expression.)
func validMetaKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Get returns the value of metadata field key, or "".
func (s *Schedule) Get(key string) string {
	for _, m := range s.Meta {
		if m.Key == key {
			return m.Value
		}
	}
	return ""
}

// Set sets metadata field key, replacing an earlier value. It panics on a
// key or value the text form cannot carry (see checkMetaValue).
func (s *Schedule) Set(key, value string) {
	if !validMetaKey(key) {
		panic(fmt.Sprintf("sched: schedule metadata key %q: want letters, digits, '.', '_' or '-'", key))
	}
	if err := checkMetaValue(value); err != nil {
		panic(fmt.Sprintf("sched: schedule metadata %s=%q: %v", key, value, err))
	}
	for i := range s.Meta {
		if s.Meta[i].Key == key {
			s.Meta[i].Value = value
			return
		}
	}
	s.Meta = append(s.Meta, MetaField{key, value})
}

// checkMetaValue reports whether the text form can carry value: one line,
// no surrounding spaces, and no control characters but tabs (a value is
// printed in reproduce lines and reports, where a carriage return or an
// escape sequence would hide or rewrite what is shown).
func checkMetaValue(value string) error {
	if strings.TrimSpace(value) != value {
		return errors.New("the value must be one line without surrounding spaces")
	}
	for _, r := range value {
		if r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
			return fmt.Errorf("the value holds the control character %U: want one line of printable text", r)
		}
	}
	return nil
}

// Clone returns a deep copy.
func (s *Schedule) Clone() *Schedule {
	return &Schedule{Meta: append([]MetaField(nil), s.Meta...), Choices: append([]Choice(nil), s.Choices...), Version: s.Version}
}

// String returns the text form, ending in a newline.
func (s *Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d\n", scheduleHeader, ScheduleVersion)
	for _, m := range s.Meta {
		if m.Value == "" {
			fmt.Fprintf(&b, "@%s\n", m.Key)
		} else {
			fmt.Fprintf(&b, "@%s %s\n", m.Key, m.Value)
		}
	}
	for i, c := range s.Choices {
		if i > 0 {
			if i%20 == 0 {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		if c.Kind == TaskChoice {
			b.WriteByte('t')
		} else {
			b.WriteByte('v')
		}
		b.WriteString(strconv.Itoa(c.Value))
	}
	if len(s.Choices) > 0 {
		b.WriteByte('\n')
	}
	return b.String()
}

// ReadScheduleFile reads a schedule file: an error opening it is the
// file system's (it names the path), an error in it is ParseSchedule's
// prefixed with the path.
func ReadScheduleFile(path string) (*Schedule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := ParseSchedule(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSchedule reads the text form. Errors name the line and what was
// expected. It reads at most MaxScheduleBytes and MaxScheduleChoices.
func ParseSchedule(r io.Reader) (*Schedule, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxScheduleBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxScheduleBytes {
		return nil, fmt.Errorf("longer than %d bytes, the most a schedule may hold", MaxScheduleBytes)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), MaxScheduleBytes+1)
	s := &Schedule{}
	line := 0
	header := false
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !header {
			v, ok := strings.CutPrefix(text, scheduleHeader)
			if !ok {
				return nil, fmt.Errorf("line %d: want the header %q, got %q", line, fmt.Sprintf("%s%d", scheduleHeader, ScheduleVersion), clip(text))
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > ScheduleVersion || v != strconv.Itoa(n) {
				return nil, fmt.Errorf("line %d: unsupported schedule version %q (this build reads v1 to v%d)", line, "v"+clip(v), ScheduleVersion)
			}
			s.Version = n
			header = true
			continue
		}
		if rest, ok := strings.CutPrefix(text, "@"); ok {
			key, value, _ := strings.Cut(rest, " ")
			value = strings.TrimSpace(value)
			if !validMetaKey(key) {
				return nil, fmt.Errorf("line %d: bad metadata key %q: want letters, digits, '.', '_' or '-'", line, clip(key))
			}
			if err := checkMetaValue(value); err != nil {
				return nil, fmt.Errorf("line %d: metadata @%s: %v", line, key, err)
			}
			s.Set(key, value)
			continue
		}
		for _, tok := range strings.Fields(text) {
			c, err := parseChoice(tok)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			if len(s.Choices) == MaxScheduleChoices {
				return nil, fmt.Errorf("line %d: more than %d choices, the most a schedule may hold", line, MaxScheduleChoices)
			}
			s.Choices = append(s.Choices, c)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	if !header {
		return nil, fmt.Errorf("empty schedule: want the header %q", fmt.Sprintf("%s%d", scheduleHeader, ScheduleVersion))
	}
	return s, nil
}

func parseChoice(tok string) (Choice, error) {
	var c Choice
	switch tok[0] {
	case 't':
		c.Kind = TaskChoice
	case 'v':
		c.Kind = ValueChoice
	default:
		return c, fmt.Errorf("bad choice %q: want t<task id> or v<value>", clip(tok))
	}
	n, err := strconv.Atoi(tok[1:])
	if len(tok) < 2 || tok[1] < '0' || tok[1] > '9' || err != nil {
		return c, fmt.Errorf("bad choice %q: want t<task id> or v<value> with a non-negative decimal number", clip(tok))
	}
	c.Value = n
	return c, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
