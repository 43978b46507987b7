//go:build !unix

package time_test

import stdtime "time"

func cpuTime() stdtime.Duration { return 0 }
