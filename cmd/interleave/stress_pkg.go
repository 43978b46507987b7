package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/interleave/interleave/internal/cleanup"
	"github.com/interleave/interleave/internal/gobuild"
)

// stress -pkg DIR -run REGEXP: the children are the package's test binary,
// running the tests -run selects, which use schedtest. Each child runs its
// own seeds (-interleave.seed with -interleave.schedules: a range), saves
// its failing schedules in a directory of its own (so that no child replays
// another's), and prints schedtest's INTERLEAVE-FAILURE line for each
// failure (INTERLEAVE_STRESS=1), which the report groups by signature with
// the go test and interleave debug lines that reproduce it.

// Flags of the scenarios' children that a package's tests do not take.
var scenarioOnlyFlags = append([]string{"strategy", "compare", "backend"}, pgOnlyFlags...)

func (o *stressOptions) validatePkg() error {
	if given := o.given(scenarioOnlyFlags...); len(given) > 0 {
		return badInput("-pkg does not take -%s (flags of the scenarios' children)", strings.Join(given, ", -"))
	}
	if len(o.scenarios) > 0 {
		return badInput("-pkg runs a package's tests: unexpected scenario %q", o.scenarios[0])
	}
	switch {
	case o.pkg == "":
		return badInput("-run needs -pkg: the package whose tests to run")
	case o.runRE == "":
		return badInput("-pkg needs -run: the tests to run, a go test -run regexp (such as '^TestTransfer$')")
	}
	for _, part := range strings.Split(o.runRE, "/") {
		if _, err := regexp.Compile(part); err != nil {
			return badInput("-run %q: %s", o.runRE, oneLine(err))
		}
	}
	fi, err := os.Stat(o.pkg)
	if err != nil || !fi.IsDir() {
		return badInput("-pkg %q: not a package directory", o.pkg)
	}
	if o.pkgDir, err = filepath.Abs(o.pkg); err != nil {
		return badInput("-pkg %q: %v", o.pkg, err)
	}
	o.childDir = o.pkgDir // go test runs a package's tests in its directory
	label := o.pkg
	if !strings.HasPrefix(label, ".") && !filepath.IsAbs(label) {
		label = "./" + label
	}
	o.strategies = []string{label + " " + o.runRE}
	// The checks the scenarios' children share (mode, search, counts,
	// regexps, shard, -o) apply as they are.
	o.strategy = ""
	return o.validateChildren()
}

// preparePkgBinary builds the package's test binary, and makes the
// directory the children save their schedules in.
func (o *stressOptions) preparePkgBinary(ctx context.Context) error {
	dir, remove, err := cleanup.TempDir("interleave-stress-bin-*") // removed on a second Ctrl-C too
	if err != nil {
		return err
	}
	b := gobuild.Options{Dir: o.pkgDir, Pkg: ".", Out: filepath.Join(dir, "pkg.test")}
	if o.race {
		b.Flags = []string{"-race"}
	}
	fmt.Fprintf(o.statusW, "building: (cd %s && go %s)\n", shellJoin([]string{o.pkg}), strings.Join(b.Args(), " "))
	if out, err := gobuild.Test(ctx, b); err != nil {
		remove()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(o.stderr, "%s", out)
		return fmt.Errorf("building the test binary of %s: go test -c: %v (its output is above)", o.pkg, err)
	}
	o.binary, o.removeBinary = b.Out, remove
	if o.outDir != "" {
		o.schedDir = filepath.Join(o.outDir, "schedules")
		return nil
	}
	// Kept when something failed (the report's lines name its files),
	// removed otherwise (keepSchedules) and on a second Ctrl-C.
	o.schedDir, o.removeSchedules, err = cleanup.TempDir("interleave-stress-schedules-*")
	return err
}

// pkgChildArgs are the test binary's arguments for a child whose first
// seed is seed.
func (o *stressOptions) pkgChildArgs(seed int64) []string {
	return []string{
		"-test.run=" + o.runRE, "-test.count=1", "-test.timeout=" + o.childTimeout().String(),
		"-interleave.seed=" + strconv.FormatInt(seed, 10),
		"-interleave.schedules=" + strconv.Itoa(o.schedules),
		"-interleave.mode=" + o.mode,
		"-interleave.search=" + o.search,
		"-interleave.depth=" + strconv.Itoa(o.depth),
		"-interleave.save=" + filepath.Join(o.schedDir, "seed"+strconv.FormatInt(seed, 10)),
	}
}

// keepSchedules removes the children's schedule directory when nothing
// failed and it is a temporary one; otherwise the report's lines name the
// files in it, and it stays.
func (o *stressOptions) keepSchedules(c *cli, code int) {
	if o.removeSchedules == nil {
		return
	}
	if code == exitFound {
		fmt.Fprintf(c.stderr, "interleave: the failing schedules are in %s\n", o.schedDir)
		return
	}
	o.removeSchedules()
}
