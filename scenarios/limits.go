package scenarios

import (
	"time"

	"github.com/interleave/interleave/internal/testconfig"
	"github.com/interleave/interleave/sched"
)

// Limits. Every count, depth, parallelism and size interleave takes has
// one: the flags of the interleave command, the -interleave.* test flags
// and their INTERLEAVE_* variables, the numbers of a scenario file and the
// size of a schedule or scenario file. A value past its limit is bad input,
// reported on one line (exit status 2 from the command, and from a test
// binary given such a flag) before any work starts. The limits keep memory
// bounded and every seed range inside an int64; they are far above what a
// useful run needs.
const (
	// MaxSchedules bounds a number of schedules a run lists or walks
	// through: stress -schedules and -interleave.schedules (the seeds of
	// a child), and the seed of a DFS schedule (its index: reaching it
	// runs every schedule before).
	MaxSchedules = testconfig.MaxSchedules
	// MaxBudget bounds explore's and matrix's --budget: schedules run one
	// after another, nothing kept per schedule.
	MaxBudget = 1_000_000_000
	// MaxDepth bounds PCT's bug depth (--depth, -interleave.depth, a
	// schedule's @depth): PCT draws depth-1 change points per run.
	MaxDepth = testconfig.MaxDepth
	// MaxPreemptions bounds DFS's preemption bound (--preemptions,
	// -interleave.preemptions); a negative bound means unbounded.
	MaxPreemptions = testconfig.MaxPreemptions
	// MaxParallel bounds -p: matrix searches, stress children or
	// PostgreSQL chats at once.
	MaxParallel = 1024
	// MaxStressCount bounds stress -count: children (-backend mem, where
	// a run without -count also ends after this many) or runs per
	// strategy (-backend pg).
	MaxStressCount = 1_000_000_000
	// MaxPool bounds stress -pool, the PostgreSQL connection pool.
	MaxPool = 4096
	// MaxTimeout bounds a time limit: stress -timeout (per child) and
	// debug --timeout.
	MaxTimeout = 7 * 24 * time.Hour

	// MaxScriptBytes bounds the size of a scenario file.
	MaxScriptBytes = 1 << 20
	// MaxRows bounds a scenario file's 'rows N'.
	MaxRows = 100_000
	// MaxReplicas bounds a scenario file's 'replicas N'.
	MaxReplicas = 64
	// MaxCapacity bounds a scenario file's 'capacity N'.
	MaxCapacity = 1_000_000
	// MaxMessageID bounds a message ID in a scenario file (after=ID).
	MaxMessageID = 1_000_000_000
	// MaxPolls bounds a scenario file's 'polls N': the polls each stream
	// loop's poller makes before the world settles, every one a task's
	// steps to interleave.
	MaxPolls = 1000
	// MaxSleep bounds a scenario file's 'sleep DURATION' (virtual time:
	// free in the model, real on PostgreSQL).
	MaxSleep = time.Hour
	// MaxSyncFailures bounds a scenario file's 'sync-failures N'.
	MaxSyncFailures = 1000

	// MaxScheduleBytes and MaxScheduleChoices bound a schedule file
	// (sched.ParseSchedule).
	MaxScheduleBytes   = sched.MaxScheduleBytes
	MaxScheduleChoices = sched.MaxScheduleChoices
)

// CheckSeedRange checks that the n seeds first, first+1, ..., first+n-1
// are all non-negative int64s (n >= 1); what names them (a flag) prefixes
// the error.
func CheckSeedRange(first int64, n int64) error { return testconfig.CheckSeedRange(first, n) }
