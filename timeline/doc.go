// Package timeline draws runs of a program under the scheduler as one
// self-contained, interactive HTML page: a lane per task with each step at
// its position in the schedule and preemptions marked, typed events, the
// model's state at the selected step, the verdict with each violation
// linked to the step where it arose, threads that follow one item through
// the run, and the schedule and command lines that reproduce it. Two runs
// (the same seed under two strategies, say) are shown side by side with one
// step cursor.
//
// # The page
//
// Write renders the page with html/template from assets embedded in the
// binary. The page loads nothing: its style, script and data are inline,
// and its Content-Security-Policy allows only that style and script (by
// hash), so it opens offline and can be attached to a bug report. The data
// is the input model below as JSON, {"version": Version, "runs": [...]},
// in a script element of type application/json with id "timeline-data";
// strings from the data reach the page only as text, never as markup.
//
// On the page: a slider and the keys Left/Right (one step), Shift+Left/Right
// (the next step with an event), Home and End move the step cursor of every
// run; hovering a step shows its label, events and notes; checkboxes hide
// tasks and event kinds; "follow" highlights an item's thread in the lanes,
// the state and the event list; each command line and the schedule has a
// copy button. An address ending in "#step=N" opens the page at step N.
// Scripts and tests can drive it through window.timeline: step() is the
// selected step, select(n) selects one, and stepBox(run, n) tells where
// step n of a run is on the screen.
//
// The lanes are painted on a canvas the size of the view and the event
// list draws only the rows in view, so a page of ten thousand steps and
// hundreds of tasks draws about as fast as a small one.
//
// # The input model
//
// A Run holds Lanes (one per task) and Steps (Steps[i] is step i+1: its
// lane, label, preemption and notes); everything else is optional:
//
//   - Events: typed things that happened in a step, with a free Kind. The
//     package knows no kinds: Run.Kinds gives each its label and colour,
//     and the page filters by them.
//   - State: the model's state over time, as Fields (a group such as
//     "replica1 cache" and a name such as "cache"), each with its Changes
//     by step: a Value set (a scalar text, or a list of Items), or a list
//     edited (items removed by key, items appended), which keeps a long
//     run's page small. An item can carry a Key (to follow it) and a Mark
//     (such as "lost" or "late", displayed as Run.Marks says).
//   - Verdict: failed or not, a summary, and Violations with the step where
//     each arose and the items it concerns.
//   - Threads: an item followed through the run, as a list of steps.
//   - Schedule and Repro: the text that replays the run and the command
//     lines that rerun it.
//
// FromTrace fills the lanes and steps from a sched.Trace; a model adds
// events and state (package scenarios does for the chat model). Version
// names the model; it changes only when a field changes meaning or goes.
package timeline
