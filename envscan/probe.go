package envscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/keyguard/keyguard/diagnostics"
)

// Defaults of ProberConfig.
const (
	DefaultTTL          = 10 * time.Minute
	DefaultTimeout      = 10 * time.Second
	DefaultMaxInFlight  = 4
	DefaultMaxRetries   = 3
	DefaultMaxRetryWait = 10 * time.Second
	// unknownTTL and rateLimitedTTL keep answers that say nothing about the
	// key only briefly, so the next save asks again.
	unknownTTL     = 30 * time.Second
	rateLimitedTTL = time.Minute
	firstBackoff   = 500 * time.Millisecond
)

// DefaultBaseURLs are the official base URLs, in the form the provider's
// own SDK takes them (contract, design.md); probes append their path.
var DefaultBaseURLs = map[string]string{
	"openai":      "https://api.openai.com/v1",
	"groq":        "https://api.groq.com/openai/v1",
	"mistral":     "https://api.mistral.ai/v1",
	"xai":         "https://api.x.ai/v1",
	"deepseek":    "https://api.deepseek.com",
	"together":    "https://api.together.xyz/v1",
	"openrouter":  "https://openrouter.ai/api/v1",
	"perplexity":  "https://api.perplexity.ai",
	"cerebras":    "https://api.cerebras.ai/v1",
	"fireworks":   "https://api.fireworks.ai/inference/v1",
	"nvidia":      "https://integrate.api.nvidia.com/v1",
	"anthropic":   "https://api.anthropic.com",
	"gemini":      "https://generativelanguage.googleapis.com",
	"huggingface": "https://huggingface.co",
}

// BaseURLVars are the variables a provider's SDK reads its base URL from;
// Check passes them as ProbeRequest.BaseURL (used only if allowed).
var BaseURLVars = map[string][]string{
	"openai":      {"OPENAI_BASE_URL", "OPENAI_API_BASE"},
	"anthropic":   {"ANTHROPIC_BASE_URL"},
	"groq":        {"GROQ_BASE_URL"},
	"mistral":     {"MISTRAL_BASE_URL"},
	"gemini":      {"GOOGLE_GEMINI_BASE_URL", "GEMINI_BASE_URL"},
	"huggingface": {"HF_ENDPOINT"},
	"openrouter":  {"OPENROUTER_BASE_URL"},
	"xai":         {"XAI_BASE_URL"},
	"deepseek":    {"DEEPSEEK_BASE_URL"},
	"together":    {"TOGETHER_BASE_URL"},
}

// ValidateEndpoint checks a user-given base URL: http(s), a host, no
// credentials or query, and plain http only to a loopback host (the key
// would otherwise cross the network in clear text).
func ValidateEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("endpoint %q is not a URL: %v", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("endpoint %q: scheme must be https (or http to a loopback address)", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("endpoint %q has no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("endpoint %q must not carry credentials", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("endpoint %q must not have a query or fragment", raw)
	case u.Scheme == "http" && !IsLoopback(u.Hostname()):
		return nil, fmt.Errorf("endpoint %q refused: plain http is only allowed to a loopback address (127.0.0.1, ::1, localhost); use https", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// IsLoopback tells whether host names this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Prober probes keys with caching, de-duplication and bounded concurrency.
// It is safe for concurrent use.
type Prober struct {
	cfg    ProberConfig
	sem    chan struct{}
	flight singleflight.Group

	mu    sync.Mutex
	cache map[string]cacheEntry // by key fingerprint

	pacer pacer
}

type cacheEntry struct {
	variant string // provider, endpoint, org, project the result is for
	result  Result
	expires time.Time
}

// NewProber builds a Prober. Invalid Endpoints are not fatal here: a probe
// for that provider answers unknown with the reason; front ends validate
// them first with ValidateEndpoint to fail early.
func NewProber(cfg ProberConfig) *Prober {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	} else if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = DefaultMaxRetryWait
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.RequestsPerSecond == 0 {
		cfg.RequestsPerSecond = DefaultRequestsPerSecond
	}
	p := &Prober{cfg: cfg, sem: make(chan struct{}, cfg.MaxInFlight), cache: map[string]cacheEntry{}}
	if cfg.RequestsPerSecond > 0 {
		p.pacer.interval = time.Duration(float64(time.Second) / cfg.RequestsPerSecond)
	}
	return p
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Probe makes (or joins, or serves from cache) one free request for req.
func (p *Prober) Probe(ctx context.Context, req ProbeRequest) Result {
	return p.run(ctx, req, false)
}

// CheckQuota makes the opt-in paid 1-token request that learns no-quota.
// Never called on save. Its result is not cached: it is asked for on purpose.
func (p *Prober) CheckQuota(ctx context.Context, req ProbeRequest) Result {
	return p.run(ctx, req, true)
}

// Cached returns the last result for a key fingerprint, if fresh.
func (p *Prober) Cached(fingerprint string) (Result, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.cache[fingerprint]
	if !ok || !p.cfg.Now().Before(e.expires) {
		return Result{}, false
	}
	r := e.result
	r.Cached = true
	return r, true
}

func (p *Prober) run(ctx context.Context, req ProbeRequest, quota bool) Result {
	fp := diagnostics.Fingerprint(req.Key)
	// The last gate before a request: whoever built req, a key of a
	// shared shape goes out only if its context names the provider.
	req.SkipReason = RouteRequest(req)
	if req.SkipReason != "" {
		// Not sent anywhere, so nothing to cache or join.
		return scrubberFor(req).Result(Result{Provider: req.Provider, Fingerprint: fp, Verdict: VerdictSkipped,
			Code: CodeSharedShape, Detail: req.SkipReason, CheckedAt: p.cfg.Now()})
	}
	target := p.resolve(req)
	variant := strings.Join([]string{req.Provider, target.base, req.Organization, req.Project}, "\x00")
	if !quota {
		p.mu.Lock()
		e, ok := p.cache[fp]
		p.mu.Unlock()
		if ok && e.variant == variant && p.cfg.Now().Before(e.expires) {
			r := e.result
			r.Cached = true
			return r
		}
	}
	flightKey := fp + "\x00" + variant
	if quota {
		flightKey = "quota\x00" + flightKey
	}
	for attempt := 0; ; attempt++ {
		ch := p.flight.DoChan(flightKey, func() (any, error) {
			return p.probeOnce(ctx, req, target, fp, quota), nil
		})
		select {
		case <-ctx.Done():
			return scrubberFor(req).Result(p.cancelled(req, fp, target))
		case res := <-ch:
			r := res.Val.(Result)
			// A joined flight that its starter cancelled says nothing
			// about the key: run our own once.
			if r.Code == codeCancelled && ctx.Err() == nil && attempt == 0 {
				continue
			}
			if !quota && r.Code != codeCancelled {
				p.store(fp, variant, r)
			}
			return r
		}
	}
}

const codeCancelled = "cancelled"

func (p *Prober) cancelled(req ProbeRequest, fp string, t target) Result {
	return Result{Provider: req.Provider, Fingerprint: fp, Verdict: VerdictUnknown, Code: codeCancelled,
		Detail: "The check was cancelled before the provider answered.", Endpoint: t.base, CheckedAt: p.cfg.Now()}
}

func (p *Prober) store(fp, variant string, r Result) {
	ttl := p.cfg.TTL
	switch r.Verdict {
	case VerdictUnknown:
		ttl = min(ttl, unknownTTL)
	case VerdictRateLimited:
		ttl = min(ttl, rateLimitedTTL)
	}
	p.mu.Lock()
	p.cache[fp] = cacheEntry{variant: variant, result: r, expires: r.CheckedAt.Add(ttl)}
	p.mu.Unlock()
}

// target is where a probe goes.
type target struct {
	base string // base URL, SDK form, no trailing slash
	note string // why a workspace base URL was ignored, for Detail
	err  error  // the configured endpoint is unusable
}

// resolve picks the base URL (contract, design.md "Where a probe may go"):
// a user-level override, else a workspace base URL whose host the user
// allowed, else the official host. A workspace URL to a loopback address is
// NOT allowed unless the user listed that host: a hostile repository could
// otherwise point OPENAI_BASE_URL at a local listener and collect the key.
//
// A base URL that holds the key (or another secret of the file) is never
// used, whoever set it: the key would travel in the URL, which proxies and
// servers log, and to whatever host the rest of the URL names.
func (p *Prober) resolve(req ProbeRequest) target {
	if raw, ok := p.cfg.Endpoints[req.Provider]; ok && raw != "" {
		u, err := ValidateEndpoint(raw)
		if err != nil {
			return target{err: err}
		}
		if carriesSecret(u.String(), req) {
			return target{err: errors.New("the endpoint setting contains the key (or another secret of the .env); a key must never be part of a URL")}
		}
		t := target{base: u.String()}
		if req.BaseURLRefused != "" || req.BaseURL != "" && strings.TrimRight(req.BaseURL, "/") != t.base {
			t.note = "the base URL in the .env was not used: the endpoint setting takes precedence"
		}
		return t
	}
	official := DefaultBaseURLs[req.Provider]
	if req.BaseURLRefused != "" {
		return target{base: official, note: req.BaseURLRefused}
	}
	if req.BaseURL == "" {
		return target{base: official}
	}
	u, err := ValidateEndpoint(req.BaseURL)
	switch {
	case carriesSecret(req.BaseURL, req):
		return target{base: official, note: "the base URL in the .env was ignored because it contains a key; a key must never be part of a URL"}
	case err != nil:
		return target{base: official, note: "the base URL in the .env was ignored (" + err.Error() + ")"}
	case !p.hostAllowed(u.Hostname()):
		return target{base: official, note: fmt.Sprintf("the base URL in the .env (host %s) was ignored because that host is not in keyguard.probe.allowedHosts", u.Hostname())}
	}
	return target{base: u.String()}
}

// carriesSecret tells whether a URL holds the request's key or another
// secret of its file, as written, trimmed or escaped.
func carriesSecret(u string, req ProbeRequest) bool {
	for _, s := range append([]string{req.Key}, req.Secrets...) {
		for _, f := range secretForms(s) {
			if strings.Contains(u, f) {
				return true
			}
		}
	}
	return false
}

func (p *Prober) hostAllowed(host string) bool {
	for _, h := range p.cfg.AllowedHosts {
		if strings.EqualFold(strings.TrimSpace(h), host) {
			return true
		}
	}
	return false
}

// probeOnce runs one probe with bounded retries, holding a concurrency slot.
func (p *Prober) probeOnce(ctx context.Context, req ProbeRequest, t target, fp string, quota bool) Result {
	res := Result{Provider: req.Provider, Fingerprint: fp, Endpoint: t.base}
	done := func(r Result) Result {
		r.CheckedAt = p.cfg.Now()
		if t.note != "" {
			r.Detail += " Note: " + t.note + "."
		}
		// The one masking step, last: after the note, over every field a
		// provider's answer can reach (code, request id, rate-limit
		// headers) and the endpoint.
		return scrubberFor(req).Result(r)
	}
	if t.err != nil {
		res.Verdict, res.Code = VerdictUnknown, "bad-endpoint"
		res.Detail = "Not checked: " + t.err.Error() + "."
		return done(res)
	}
	pr, ok := probers[req.Provider]
	if !ok || t.base == "" {
		res.Verdict = VerdictSkipped
		res.Detail = fmt.Sprintf("No free check is known for %s keys; the key was not sent anywhere.", providerName(req.Provider))
		return done(res)
	}
	if quota && pr.quota == nil {
		res.Verdict = VerdictSkipped
		res.Detail = fmt.Sprintf("No quota check is known for %s keys.", providerName(req.Provider))
		return done(res)
	}
	select {
	case p.sem <- struct{}{}:
		defer func() { <-p.sem }()
	case <-ctx.Done():
		return done(p.cancelled(req, fp, t))
	}

	client := p.httpClient(req)
	for attempt := 0; ; attempt++ {
		if err := p.pace(ctx, t.base); err != nil {
			return done(p.cancelled(req, fp, t))
		}
		var resp response
		if quota {
			resp = pr.quota(ctx, client, t.base, req)
		} else {
			resp = pr.probe(ctx, client, t.base, req)
		}
		out := classify(req, resp, t.base, p.cfg.Now())
		out.Provider, out.Fingerprint, out.Endpoint = req.Provider, fp, t.base
		if ctx.Err() != nil {
			return done(p.cancelled(req, fp, t))
		}
		// A Retry-After holds every key's requests to that host, not only
		// this key's retry.
		p.pauseHost(t.base, out.retryAfter)
		if !out.retry || attempt >= p.cfg.MaxRetries {
			return done(out.Result)
		}
		if out.retryAfter > 0 {
			continue // pace waits out the host's Retry-After
		}
		if err := p.cfg.Sleep(ctx, min(firstBackoff<<attempt, p.cfg.MaxRetryWait)); err != nil {
			return done(p.cancelled(req, fp, t))
		}
	}
}

// httpClient is the client a probe uses: a timeout, no redirects (a
// redirect could carry x-api-key headers to another host), and the
// OpenAI-Project header when the .env names a project.
func (p *Prober) httpClient(req ProbeRequest) *http.Client {
	var rt http.RoundTripper = p.cfg.Transport
	if req.Project != "" && openAICompatible(req.Provider) {
		rt = projectHeader{next: rt, project: req.Project}
	}
	return &http.Client{
		Timeout:   p.cfg.Timeout,
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// projectHeader adds OpenAI-Project, which go-openai has no setting for.
type projectHeader struct {
	next    http.RoundTripper
	project string
}

func (t projectHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("OpenAI-Project", t.project)
	return t.next.RoundTrip(r)
}

// scrubberFor masks the request's key in a result. The file's other
// secrets cannot reach a result: the provider is sent only this key, and a
// base URL holding any of them is refused (carriesSecret) without being
// quoted. Check's report is scrubbed of all of them once more at the end.
// (One Scrubber per file would be tidier, but building it for each of
// 3,000 keys costs seconds.)
func scrubberFor(req ProbeRequest) *Scrubber {
	return NewKeyScrubber(req.Key)
}

// retryAfter reads retry-after-ms, then retry-after (seconds or an
// HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("retry-after")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// isNetworkTimeout tells a timeout from other transport errors.
func isNetworkTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
