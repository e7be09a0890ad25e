// Package envscan reads .env files: it parses them keeping positions, finds
// hygiene problems, and asks providers whether the keys in them work.
//
// This file holds the API the lsp package and `keyguard check` use. Names
// here are the contract between packages: extend, do not rename.
package envscan

import (
	"context"
	"net/http"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
)

// Var is one variable of a .env file. Offsets are bytes into the file;
// Line and Column are 1-based (Column in bytes).
type Var struct {
	Name     string
	Value    string // after godotenv's unquoting/unescaping/expansion rules
	Raw      string // the value exactly as written, quotes included
	Line     int
	Column   int // column of the name
	Start    int // offset of the first byte of the statement (`export` or name)
	End      int // offset one past the statement's last byte (before the newline)
	ValStart int // offset of the raw value (a quote when quoted)
	ValEnd   int
	Quote    byte // 0, '\'' or '"' (godotenv treats a backtick as text)
	Exported bool // written with `export `
	NameEnd  int  // offset one past the name
	// CommentStart is the offset of an inline comment's '#' after an
	// unquoted value, or -1.
	CommentStart int
	// Expanded is true when the value took in another variable through
	// ${X} or $X.
	Expanded bool
	// ExpandErr, when set, says why ${} expansion was refused (the value
	// would grow past MaxExpandedValue or nest deeper than MaxExpandDepth);
	// Value then holds the text unexpanded. Hygiene reports it.
	ExpandErr string
}

// File is a parsed .env file.
type File struct {
	Path   string
	Vars   []Var
	Errors []ParseError
	// BOM is true when the file starts with a UTF-8 byte order mark, which
	// godotenv cannot load. Offsets still count it.
	BOM bool
}

// ParseError is a line the parser could not read; parsing goes on after it.
type ParseError struct {
	Line, Column int
	Message      string
}

// Severity of an Issue: the detector's scale, so one String and one
// mapping to LSP severities serve both.
type Severity = diagnostics.Severity

const (
	SeverityError   = diagnostics.SeverityError
	SeverityWarning = diagnostics.SeverityWarning
	SeverityInfo    = diagnostics.SeverityInfo
)

// Issue is a hygiene problem in a .env file.
type Issue struct {
	File      string
	Line      int // 1-based
	Column    int // 1-based, bytes
	EndLine   int
	EndColumn int // exclusive
	Start     int // byte offsets of the problem
	End       int
	Code      string // contract diagnostic code: "env-format" or "env-not-ignored"
	Check     string // which check: "trailing-space", "bearer-prefix", …
	Var       string // variable name, when the issue is about one
	Severity  Severity
	Message   string // one line a person understands, never a full key
	Fix       *Fix   // a mechanical fix, when there is one
}

// Fix replaces File[Start:End] with NewText.
type Fix struct {
	Title   string // "Trim whitespace", "Remove quotes", "Drop Bearer prefix"
	Start   int
	End     int
	NewText string
}

// HygieneOptions tell Hygiene about the file's surroundings.
type HygieneOptions struct {
	// Root is the workspace/repository root, for git-ignore checks; empty
	// skips them.
	Root string
	// Identify recognises a key's provider; nil uses
	// diagnostics.Default.Identify. Tests inject their own.
	Identify func(value string) (diagnostics.Match, bool)
}

// Verdict is the outcome of a probe (contract).
type Verdict string

const (
	VerdictValid       Verdict = "valid"
	VerdictInvalid     Verdict = "invalid"
	VerdictRevoked     Verdict = "revoked"
	VerdictNoQuota     Verdict = "no-quota"
	VerdictRestricted  Verdict = "restricted"
	VerdictRateLimited Verdict = "rate-limited"
	VerdictUnknown     Verdict = "unknown"
	VerdictSkipped     Verdict = "skipped"
)

// ProbeRequest asks whether one key works.
type ProbeRequest struct {
	Provider string // provider id from diagnostics
	Key      string // the full key; goes only into request headers
	// From the same .env file, when present:
	Organization string // OPENAI_ORG_ID / OPENAI_ORGANIZATION
	Project      string // OPENAI_PROJECT_ID
	BaseURL      string // *_BASE_URL found in the workspace; used only if allowed
	// BaseURLRefused says why the workspace's base URL variable was not
	// taken (it used ${} expansion); the probe goes to the official host
	// and the result's detail says so.
	BaseURLRefused string
	// SkipReason, when set, keeps the key from being sent anywhere: its
	// shape is shared by several services and nothing around it names
	// the provider (RouteKey). The probe answers skipped with this detail.
	SkipReason string
	// Context is text around the key that may name its provider: the
	// variable name, the base URL that goes with it, an SDK call's line.
	// A key of a shape several services share is sent only when this
	// names the provider (RouteKey); the Prober checks it itself, so a
	// caller that passes nothing gets the safe answer, skipped.
	Context []string
	// Secrets are the other values of the same file that must never be
	// shown whole; the result is scrubbed of them and of Key.
	Secrets []string
}

// Result is what a probe learned. It never holds the key.
type Result struct {
	Provider    string
	Fingerprint string
	Verdict     Verdict
	Status      int    // HTTP status, 0 when no response
	Code        string // provider error code/type, when given
	Detail      string // one line telling the user what to do
	RequestID   string
	RateLimit   map[string]string // rate-limit headers as received
	Endpoint    string            // base URL probed
	CheckedAt   time.Time
	Cached      bool // served from the cache
}

// ProberConfig configures a Prober.
type ProberConfig struct {
	// Endpoints overrides base URLs per provider id (CLI --endpoint,
	// LSP initializationOptions "endpoints"). User-level: trusted.
	Endpoints map[string]string
	// AllowedHosts are hosts a workspace-found base URL may point at.
	AllowedHosts []string
	TTL          time.Duration // default 10 min
	Timeout      time.Duration // per request; default 10 s
	MaxInFlight  int           // default 4
	MaxRetries   int           // default 3; negative means no retries
	// MaxRetryWait caps one wait between retries, whatever Retry-After
	// asks; default 10 s.
	MaxRetryWait time.Duration
	// RequestsPerSecond paces every probe request (retries included)
	// across the Prober; default DefaultRequestsPerSecond, negative: no
	// pacing.
	RequestsPerSecond float64

	// Transport sends the probe requests; nil uses http.DefaultTransport.
	Transport http.RoundTripper
	// Now and Sleep are the clock; tests replace them so that backoff and
	// TTLs need no real waiting. Sleep must return early with ctx.Err().
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}
