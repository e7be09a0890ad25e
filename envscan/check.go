package envscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/safefile"
)

// DefaultMaxFileSize is the largest .env file Check reads.
const DefaultMaxFileSize = 16 << 20

// CheckOptions tune Check.
type CheckOptions struct {
	// Probe asks the providers about each key; false gives verdict skipped.
	Probe bool
	// Quota also runs the opt-in paid 1-token check (explicit command only).
	Quota bool
	// Root is where git checks run; "" uses each file's directory.
	Root string
	// Identify recognises key formats; nil uses diagnostics.Default.
	Identify func(value string) (diagnostics.Match, bool)
	// MaxFileSize; 0 means DefaultMaxFileSize.
	MaxFileSize int64
}

// Report is the result of Check, in the JSON shape of `keyguard check
// --format json` (contract, design.md). Slices are never nil.
type Report struct {
	Results []CheckResult `json:"results"`
	Issues  []CheckIssue  `json:"issues"`
}

// CheckResult is one key's verdict. It holds the key masked only.
type CheckResult struct {
	File        string            `json:"file"`
	Line        int               `json:"line"`
	Var         string            `json:"var"`
	Provider    string            `json:"provider"`
	Verdict     Verdict           `json:"verdict"`
	Status      int               `json:"status"`
	Detail      string            `json:"detail"`
	RequestID   string            `json:"requestId"`
	Column      int               `json:"column"`
	Secret      string            `json:"secret"` // masked
	Fingerprint string            `json:"fingerprint"`
	Code        string            `json:"code,omitempty"`
	Endpoint    string            `json:"endpoint,omitempty"`
	RateLimit   map[string]string `json:"rateLimit,omitempty"`
}

// CheckIssue is a hygiene issue in the report.
type CheckIssue struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Column   int    `json:"column"`
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Var      string `json:"var,omitempty"`
}

// Bad reports whether the report should fail a build: a key that is
// invalid, revoked or out of quota, or a hygiene error.
func (r Report) Bad() bool {
	for _, res := range r.Results {
		switch res.Verdict {
		case VerdictInvalid, VerdictRevoked, VerdictNoQuota:
			return true
		}
	}
	for _, is := range r.Issues {
		if is.Severity == SeverityError.String() {
			return true
		}
	}
	return false
}

// FileError is a file Check could not read; the other files are still
// checked.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// Check reads each .env file, reports its hygiene issues and (if
// opts.Probe) probes every key in it. Files it cannot read come back as
// *FileError values joined in the error; the report covers the rest. It
// never writes to the files.
func Check(ctx context.Context, files []string, prober *Prober, opts CheckOptions) (Report, error) {
	var inputs []CheckInput
	var errs []error
	for _, path := range files {
		data, err := readEnvFile(path, opts.MaxFileSize)
		if err != nil {
			errs = append(errs, &FileError{File: path, Err: err})
			continue
		}
		inputs = append(inputs, CheckInput{Path: path, Data: data})
	}
	return CheckData(ctx, inputs, prober, opts), errors.Join(errs...)
}

// CheckInput is a .env file's name and content, e.g. an editor's unsaved
// buffer.
type CheckInput struct {
	Path string
	Data []byte
}

// CheckData is Check over contents already in memory (the language
// server's keyguard.checkEnv uses it for open documents).
func CheckData(ctx context.Context, inputs []CheckInput, prober *Prober, opts CheckOptions) (rep Report) {
	rep = Report{Results: []CheckResult{}, Issues: []CheckIssue{}}
	type job struct {
		res int // index into rep.Results
		req ProbeRequest
	}
	var jobs []job
	for _, in := range inputs {
		path, data := in.Path, in.Data
		f := Parse(path, data)
		root := opts.Root
		if root == "" {
			if abs, err := filepath.Abs(path); err == nil {
				root = filepath.Dir(abs)
			}
		}
		for _, is := range Hygiene(f, data, HygieneOptions{Root: root, Identify: opts.Identify}) {
			rep.Issues = append(rep.Issues, CheckIssue{File: path, Line: is.Line, Code: is.Code, Message: is.Message,
				Column: is.Column, Check: is.Check, Severity: is.Severity.String(), Var: is.Var})
		}
		if isExampleFile(path) {
			continue // placeholders; a real key there is a hygiene error, not something to send
		}
		for _, kv := range KeysToProbe(f, opts.Identify) {
			rep.Results = append(rep.Results, CheckResult{File: path, Line: kv.Var.Line, Column: kv.Var.Column, Var: kv.Var.Name,
				Provider: kv.Request.Provider, Secret: diagnostics.Mask(kv.Request.Key), Fingerprint: diagnostics.Fingerprint(kv.Request.Key),
				Verdict: VerdictSkipped, Detail: "Not checked: probing is off (--no-probe)."})
			if kv.Request.SkipReason != "" {
				rep.Results[len(rep.Results)-1].Detail = kv.Request.SkipReason
				rep.Results[len(rep.Results)-1].Code = CodeSharedShape
			}
			jobs = append(jobs, job{res: len(rep.Results) - 1, req: kv.Request})
		}
	}
	defer func() { rep = ScrubReport(rep, inputs, opts.Identify) }()
	if opts.Probe && prober != nil {
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Go(func() {
				r := prober.Probe(ctx, j.req)
				if opts.Quota && (r.Verdict == VerdictValid || r.Verdict == VerdictRestricted) {
					q := prober.CheckQuota(ctx, j.req)
					if q.Verdict == VerdictNoQuota || q.Verdict == VerdictValid {
						if q.Verdict == VerdictValid {
							q.Detail = "The key works and the account has quota (a 1-token request succeeded)."
						}
						r = q
					}
				}
				res := &rep.Results[j.res] // each goroutine writes its own element
				res.Verdict, res.Status, res.Detail, res.RequestID = r.Verdict, r.Status, r.Detail, r.RequestID
				res.Code, res.Endpoint, res.RateLimit = r.Code, r.Endpoint, r.RateLimit
			})
		}
		wg.Wait()
	}
	return rep
}

// readEnvFile reads a .env file through safefile (a non-blocking open, then
// fstat on the descriptor: a FIFO, a device or a link to one is refused
// without blocking, and a file is read only up to the cap), refusing
// directories, huge and binary files with a message that says which.
func readEnvFile(path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	data, err := safefile.Read(path, max)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), path+": ")
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, errors.New("no such file")
		case errors.Is(err, safefile.ErrNotRegular) && strings.Contains(msg, "a directory"):
			return nil, errors.New("is a directory, not a .env file")
		case errors.Is(err, safefile.ErrNotRegular):
			return nil, fmt.Errorf("is %s; keyguard reads only regular files (a FIFO or device could hang or flood it); not checked", msg)
		case errors.Is(err, safefile.ErrTooLarge):
			return nil, fmt.Errorf("is too large %s for a .env file; not checked", strings.TrimPrefix(msg, safefile.ErrTooLarge.Error()+" "))
		}
		return nil, err
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fmt.Errorf("looks binary (a NUL byte at offset %d), not a .env file; not checked", i)
	}
	return data, nil
}

// KeyVar is a variable that holds a key, with the request to probe it.
type KeyVar struct {
	Var     Var
	Request ProbeRequest
	// Fingerprint of Request.Key, computed once: the server looks keys up
	// by fingerprint for every verdict, thousands of times in a big file.
	Fingerprint string
}

// KeysToProbe picks the variables of f that hold keys: values the detector
// recognises, and non-trivial values of a provider's own variable
// (OPENAI_API_KEY …). Only the occurrence a loader keeps (the last) of a
// duplicated name is taken. Org, project and base URL come from the same
// file.
func KeysToProbe(f *File, identify func(string) (diagnostics.Match, bool)) []KeyVar {
	last := map[string]Var{}
	for _, v := range f.Vars {
		last[v.Name] = v
	}
	get := func(names ...string) string {
		for _, n := range names {
			if v, ok := last[n]; ok && v.Value != "" {
				return v.Value
			}
		}
		return ""
	}
	secrets := FileSecrets(f, identify)
	// baseURL is the provider's base URL variable, unless it was built
	// with ${} expansion. Such a URL is refused outright rather than
	// checked for a key after expansion: expansion can splice in any value
	// of the file (a key, half a key, a password the detector does not
	// know), so no test of the result is as safe as not expanding at all.
	baseURL := func(provider string) (string, string) {
		for _, n := range BaseURLVars[provider] {
			v, ok := last[n]
			if !ok || v.Value == "" {
				continue
			}
			if v.Expanded || v.ExpandErr != "" {
				return "", n + " in the .env uses ${} expansion, which keyguard never follows into a base URL (it could put a key in the URL); the probe went to the official host"
			}
			return v.Value, ""
		}
		return "", ""
	}
	var out []KeyVar
	for _, v := range f.Vars {
		if v.Name == "" || last[v.Name].Start != v.Start {
			continue
		}
		key := v.Value
		provider, rule := "", ""
		var m diagnostics.Match
		var ok bool
		if identify != nil {
			m, ok = identify(strings.TrimSpace(key))
		} else {
			// The variable name gives context rules (MISTRAL_API_KEY=…)
			// what they need to recognise keys without a prefix.
			m, ok = diagnostics.Default.IdentifyVar(v.Name, strings.TrimSpace(key))
		}
		if ok {
			provider, rule = m.Provider, m.Rule
		} else if p, ok := providerOfVar(v.Name); ok && plausibleKey(key) {
			provider = p.ID
		}
		if provider == "" || provider == "generic" {
			continue
		}
		req := ProbeRequest{Provider: provider, Key: key, Secrets: secrets}
		req.BaseURL, req.BaseURLRefused = baseURL(provider)
		var around []string
		for _, n := range companionBaseURLs(v.Name) {
			if bv, ok := last[n]; ok {
				around = append(around, bv.Value)
			}
		}
		req.Context = append([]string{v.Name}, around...)
		req.SkipReason = RouteKey(rule, provider, v.Name, around...)
		if provider == "openai" {
			req.Organization = get("OPENAI_ORG_ID", "OPENAI_ORGANIZATION")
			req.Project = get("OPENAI_PROJECT_ID")
		}
		out = append(out, KeyVar{Var: v, Request: req, Fingerprint: diagnostics.Fingerprint(key)})
	}
	return out
}

// plausibleKey filters placeholders out of a provider variable: a key is
// long and has no spaces.
func plausibleKey(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 20 || strings.ContainsAny(v, " \t<>") {
		return false
	}
	l := strings.ToLower(v)
	for _, p := range []string{"your", "example", "xxxx", "placeholder", "changeme", "replace"} {
		if strings.Contains(l, p) {
			return false
		}
	}
	return true
}
