package timeline

import (
	"fmt"
	"regexp"
)

var cssColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate checks a run against the input model's contract: every step's
// lane exists; events, state changes, violations and threads name steps of
// the run (state changes and violations may name step 0: before the first
// step, or not known); events and changes are sorted by step; kinds and
// marks are named once, with colours of the form "#rrggbb". The error names
// the first problem found.
func (r *Run) Validate() error {
	if len(r.Lanes) == 0 {
		return fmt.Errorf("no lanes")
	}
	if len(r.Steps) == 0 {
		return fmt.Errorf("no steps")
	}
	n := len(r.Steps)
	for i, s := range r.Steps {
		if s.Lane < 0 || s.Lane >= len(r.Lanes) {
			return fmt.Errorf("step %d: lane %d does not exist (%d lanes)", i+1, s.Lane, len(r.Lanes))
		}
	}
	inRange := func(what string, step, from int) error {
		if step < from || step > n {
			return fmt.Errorf("%s: step %d is outside the run (%d..%d)", what, step, from, n)
		}
		return nil
	}
	last := 0
	for i, e := range r.Events {
		what := fmt.Sprintf("event %d (%s)", i+1, e.Kind)
		if e.Kind == "" {
			return fmt.Errorf("event %d: no kind", i+1)
		}
		if err := inRange(what, e.Step, 1); err != nil {
			return err
		}
		if e.Step < last {
			return fmt.Errorf("%s: step %d comes after step %d: events must be sorted by step", what, e.Step, last)
		}
		last = e.Step
	}
	fields := map[string]bool{} // group+"\x00"+name; by key only
	for i, f := range r.State {
		what := fmt.Sprintf("state field %d (%s.%s)", i+1, f.Group, f.Name)
		if f.Group == "" || f.Name == "" {
			return fmt.Errorf("%s: a field needs a group and a name", what)
		}
		if k := f.Group + "\x00" + f.Name; fields[k] {
			return fmt.Errorf("%s: listed twice", what)
		} else {
			fields[k] = true
		}
		last, isList := 0, false
		for j, c := range f.Changes {
			what := fmt.Sprintf("%s change %d", what, j+1)
			if err := inRange(what, c.Step, 0); err != nil {
				return err
			}
			if c.Step < last {
				return fmt.Errorf("%s: step %d comes after step %d: changes must be sorted by step", what, c.Step, last)
			}
			last = c.Step
			if len(c.Add) > 0 || len(c.Remove) > 0 {
				if !isList {
					return fmt.Errorf("%s: edits a value that is not a list (set it to a List first)", what)
				}
				continue
			}
			if !c.Value.List && len(c.Value.Items) > 0 {
				return fmt.Errorf("%s: a scalar value with items (set List)", what)
			}
			isList = c.Value.List
		}
	}
	if err := styles("kind", len(r.Kinds), func(i int) (string, string) { return r.Kinds[i].Name, r.Kinds[i].Color }); err != nil {
		return err
	}
	if err := styles("mark", len(r.Marks), func(i int) (string, string) { return r.Marks[i].Name, r.Marks[i].Color }); err != nil {
		return err
	}
	for i, v := range r.Verdict.Violations {
		if err := inRange(fmt.Sprintf("violation %d", i+1), v.Step, 0); err != nil {
			return err
		}
	}
	for i, t := range r.Threads {
		if t.Item == "" {
			return fmt.Errorf("thread %d: no item", i+1)
		}
		last := 0
		for j, s := range t.Steps {
			what := fmt.Sprintf("thread %d (%s) step %d", i+1, t.Item, j+1)
			if err := inRange(what, s.Step, 1); err != nil {
				return err
			}
			if s.Step < last {
				return fmt.Errorf("%s: step %d comes after step %d: a thread must be in step order", what, s.Step, last)
			}
			last = s.Step
		}
	}
	return nil
}

// styles checks a list of named styles: names present and unique, colours
// empty or "#rrggbb" (the page puts them into CSS).
func styles(what string, n int, at func(int) (name, color string)) error {
	seen := map[string]bool{} // looked up by key only
	for i := range n {
		name, color := at(i)
		if name == "" {
			return fmt.Errorf("%s %d: no name", what, i+1)
		}
		if seen[name] {
			return fmt.Errorf("%s %q: listed twice", what, name)
		}
		seen[name] = true
		if color != "" && !cssColor.MatchString(color) {
			return fmt.Errorf("%s %q: colour %q: want #rrggbb", what, name, color)
		}
	}
	return nil
}
