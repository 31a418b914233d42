package dispatch

import (
	"math/rand/v2"
	"time"
)

// backoff is exponential with full jitter in its upper half: the n-th
// retry waits between base·2ⁿ⁻¹/2 and base·2ⁿ⁻¹, at most max, so that
// retries of a burst that failed together spread out.
type backoff struct {
	base, max time.Duration
	jitter    func() float64 // [0, 1); nil: math/rand/v2
}

// delay is the wait before the retry that follows attempt (1 for the first).
func (b backoff) delay(attempt int) time.Duration {
	d := b.base
	for i := 1; i < attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	j := rand.Float64
	if b.jitter != nil {
		j = b.jitter
	}
	return d/2 + time.Duration(j()*float64(d/2))
}
