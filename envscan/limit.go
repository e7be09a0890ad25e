package envscan

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
)

// Probes nobody asked for (the language server's, on open and save) are
// capped: a .env with 3,000 keys must not fire 3,000 requests because a
// file was opened. Explicit commands (keyguard check, keyguard.checkEnv)
// are not capped, but every probe request, explicit or not, is paced by
// the Prober (ProberConfig.RequestsPerSecond) and waits out a host's
// Retry-After.
const (
	DefaultAutoProbesPerFile   = 20
	DefaultAutoProbesPerMinute = 60
	DefaultRequestsPerSecond   = 10
)

// AutoProbeLimiter admits automatic probes: at most perFile per file and
// event, and perMinute in any minute across the whole server. It is safe
// for concurrent use.
type AutoProbeLimiter struct {
	perFile, perMinute int
	now                func() time.Time

	mu     sync.Mutex
	recent []time.Time // when each admitted probe of the last minute was
}

// NewAutoProbeLimiter builds a limiter; zero values take the defaults and
// now nil is time.Now.
func NewAutoProbeLimiter(perFile, perMinute int, now func() time.Time) *AutoProbeLimiter {
	if perFile <= 0 {
		perFile = DefaultAutoProbesPerFile
	}
	if perMinute <= 0 {
		perMinute = DefaultAutoProbesPerMinute
	}
	if now == nil {
		now = time.Now
	}
	return &AutoProbeLimiter{perFile: perFile, perMinute: perMinute, now: now}
}

// Admit says how many of n probes of one file may go now, and counts them.
func (l *AutoProbeLimiter) Admit(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	keep := l.recent[:0]
	for _, t := range l.recent {
		if now.Sub(t) < time.Minute {
			keep = append(keep, t)
		}
	}
	l.recent = keep
	k := min(n, l.perFile, l.perMinute-len(l.recent))
	k = max(k, 0)
	for range k {
		l.recent = append(l.recent, now)
	}
	return k
}

// Capped is the result of a probe the limiter held back: skipped, with
// what to do.
func (l *AutoProbeLimiter) Capped(req ProbeRequest) Result {
	return Result{Provider: req.Provider, Fingerprint: diagnostics.Fingerprint(req.Key), Verdict: VerdictSkipped, Code: CodeProbeCap,
		CheckedAt: l.now(),
		Detail: fmt.Sprintf("Not checked: automatic probe cap reached (at most %d keys per file on open or save, %d a minute); run Check .env keys (keyguard.checkEnv) to check them all.",
			l.perFile, l.perMinute)}
}

// pacer spaces requests (a steady rate across all probes) and keeps each
// host's Retry-After. A reservation scheme: each request takes the next
// free slot, then sleeps until it. Hand-written rather than
// golang.org/x/time/rate: it is a dozen lines, must use the Prober's
// injectable clock, and needs the per-host pause that package lacks.
type pacer struct {
	mu        sync.Mutex
	interval  time.Duration // 0: no pacing
	next      time.Time
	hostPause map[string]time.Time
}

// pace blocks until a request to base's host may start.
func (p *Prober) pace(ctx context.Context, base string) error {
	host := hostOf(base)
	pc := &p.pacer
	pc.mu.Lock()
	now := p.cfg.Now()
	at := now
	if until, ok := pc.hostPause[host]; ok {
		at = maxTime(at, until)
	}
	if pc.interval > 0 {
		at = maxTime(at, pc.next)
		pc.next = at.Add(pc.interval)
	}
	pc.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return p.cfg.Sleep(ctx, d)
	}
	return nil
}

// pauseHost makes every request to base's host wait d (capped by
// MaxRetryWait): a Retry-After is about the host, not the one key.
func (p *Prober) pauseHost(base string, d time.Duration) {
	if d <= 0 {
		return
	}
	d = min(d, p.cfg.MaxRetryWait)
	host := hostOf(base)
	pc := &p.pacer
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.hostPause == nil {
		pc.hostPause = map[string]time.Time{}
	}
	if until := p.cfg.Now().Add(d); until.After(pc.hostPause[host]) {
		pc.hostPause[host] = until
	}
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil {
		return u.Host
	}
	return base
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
