package dlv

import (
	"fmt"
	"strings"

	"github.com/go-delve/delve/service/api"
)

// Breakpoint is a breakpoint on the entry of a function.
//
// Function is the function's full symbol name as Delve knows it:
// "<import path>.<func>" for functions, "<import path>.(*T).m" and
// "<import path>.T.m" for methods, "<import path>.F[...]" for generic
// functions. Functions declared in a package's _test.go files belong to
// the package itself ("<import path>.f"), and those in an external test
// package to "<import path>_test.f". Trace also accepts a unique suffix
// that starts at a package or method boundary, such as "target.step" or
// "(*T).m", and resolves it to the full name.
//
// Name identifies the breakpoint in hits and in dlv (letters and digits
// only, not a number); empty names become "bp1", "bp2", ... by position.
// Vars are Go expressions evaluated in the function's frame at every hit.
type Breakpoint struct {
	Function string   `json:"function"`
	Name     string   `json:"name,omitempty"`
	Vars     []string `json:"vars,omitempty"`
}

// normalizeBreakpoints validates bps and fills in default names.
func normalizeBreakpoints(bps []Breakpoint) ([]Breakpoint, error) {
	out := make([]Breakpoint, len(bps))
	seen := map[string]bool{}
	for i, bp := range bps {
		bp.Function = strings.TrimSpace(bp.Function)
		if bp.Function == "" {
			return nil, fmt.Errorf("breakpoint %d: no function given", i+1)
		}
		if bp.Name == "" {
			bp.Name = fmt.Sprintf("bp%d", i+1)
		}
		if err := api.ValidBreakpointName(bp.Name); err != nil {
			return nil, fmt.Errorf("breakpoint %d (%s): invalid name %q: %w", i+1, bp.Function, bp.Name, err)
		}
		if seen[bp.Name] {
			return nil, fmt.Errorf("breakpoint %d (%s): duplicate name %q", i+1, bp.Function, bp.Name)
		}
		seen[bp.Name] = true
		bp.Vars = append([]string(nil), bp.Vars...)
		out[i] = bp
	}
	return out, nil
}
