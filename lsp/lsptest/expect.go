package lsptest

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/keyguard/keyguard/lsp"
)

// An Expectation is a condition on what the client has seen. Await waits
// until all of a set hold.
type Expectation struct {
	Description string
	Check       func(State) bool
}

// Await waits until every expectation holds, failing the test with the
// unmet ones and the client's state after Timeout.
func (e *Env) Await(exps ...Expectation) {
	e.T.Helper()
	deadline := time.After(Timeout)
	for {
		e.mu.Lock()
		st, ch := e.st, e.changed
		var unmet []string
		for _, x := range exps {
			if !x.Check(st) {
				unmet = append(unmet, x.Description)
			}
		}
		e.mu.Unlock()
		if len(unmet) == 0 {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			e.T.Fatalf("timed out after %v waiting for:\n  %s\nclient state:\n%s", Timeout, strings.Join(unmet, "\n  "), e.describe())
		}
	}
}

// Holds reports whether the expectations hold now, without waiting.
func (e *Env) Holds(exps ...Expectation) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range exps {
		if !x.Check(e.st) {
			return false
		}
	}
	return true
}

func (e *Env) describe() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	keys := make([]string, 0, len(e.st.Diagnostics))
	for k := range e.st.Diagnostics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := e.st.Diagnostics[k]
		v := "-"
		if p.Version != nil {
			v = fmt.Sprint(*p.Version)
		}
		fmt.Fprintf(&b, "  %s (version %s, %d publications):\n", k, v, e.st.Publications[k])
		for _, d := range p.Diagnostics {
			fmt.Fprintf(&b, "    %d:%d %v %s\n", d.Range.Start.Line, d.Range.Start.Character, d.Code, d.Message)
		}
	}
	for tok, ps := range e.st.Progress {
		fmt.Fprintf(&b, "  progress %s:", tok)
		for _, p := range ps {
			fmt.Fprintf(&b, " %s(%s%s)", p.Kind, p.Title, p.Message)
		}
		b.WriteString("\n")
	}
	for _, pr := range e.st.ProbeResults {
		fmt.Fprintf(&b, "  probe %s %s: %s\n", pr.Provider, pr.Secret, pr.Verdict)
	}
	return b.String()
}

// A DiagFilter narrows which diagnostics a Diagnostics expectation counts.
type DiagFilter struct {
	desc  string
	match func(lsp.Diagnostic) bool
}

// Code matches diagnostics with this code.
func Code(code string) DiagFilter {
	return DiagFilter{"code " + code, func(d lsp.Diagnostic) bool { return fmt.Sprint(d.Code) == code }}
}

// AtLine matches diagnostics starting on this 0-based line.
func AtLine(line uint32) DiagFilter {
	return DiagFilter{fmt.Sprintf("at line %d", line), func(d lsp.Diagnostic) bool { return d.Range.Start.Line == line }}
}

// MessageContains matches diagnostics whose message holds s.
func MessageContains(s string) DiagFilter {
	return DiagFilter{fmt.Sprintf("message containing %q", s), func(d lsp.Diagnostic) bool { return strings.Contains(d.Message, s) }}
}

// Severity matches diagnostics of this severity (1 error … 4 hint).
func Severity(sev int) DiagFilter {
	return DiagFilter{fmt.Sprintf("severity %d", sev), func(d lsp.Diagnostic) bool { return int(d.Severity) == sev }}
}

// Href matches diagnostics whose codeDescription links to href.
func Href(href string) DiagFilter {
	return DiagFilter{"codeDescription.href " + href, func(d lsp.Diagnostic) bool {
		return d.CodeDescription != nil && string(d.CodeDescription.Href) == href
	}}
}

func matchAll(d lsp.Diagnostic, fs []DiagFilter) bool {
	for _, f := range fs {
		if !f.match(d) {
			return false
		}
	}
	return true
}

func describeFilters(fs []DiagFilter) string {
	var ds []string
	for _, f := range fs {
		ds = append(ds, f.desc)
	}
	if len(ds) == 0 {
		return "any"
	}
	return strings.Join(ds, ", ")
}

// Diagnostics holds when the latest publication for rel has a diagnostic
// matching all filters.
func Diagnostics(rel string, fs ...DiagFilter) Expectation {
	return Expectation{
		Description: fmt.Sprintf("diagnostics for %s with %s", rel, describeFilters(fs)),
		Check: func(s State) bool {
			for _, d := range s.Diagnostics[rel].Diagnostics {
				if matchAll(d, fs) {
					return true
				}
			}
			return false
		},
	}
}

// NoMatchingDiagnostics holds when the file has had a publication and none
// of its latest diagnostics match.
func NoMatchingDiagnostics(rel string, fs ...DiagFilter) Expectation {
	return Expectation{
		Description: fmt.Sprintf("a publication for %s without diagnostics with %s", rel, describeFilters(fs)),
		Check: func(s State) bool {
			p, ok := s.Diagnostics[rel]
			if !ok {
				return false
			}
			for _, d := range p.Diagnostics {
				if matchAll(d, fs) {
					return false
				}
			}
			return true
		},
	}
}

// NoDiagnostics holds when the latest publication for rel is empty.
func NoDiagnostics(rel string) Expectation {
	return Expectation{
		Description: "no diagnostics for " + rel,
		Check: func(s State) bool {
			p, ok := s.Diagnostics[rel]
			return ok && len(p.Diagnostics) == 0
		},
	}
}

// DiagnosticCount holds when the latest publication for rel has exactly n
// diagnostics.
func DiagnosticCount(rel string, n int) Expectation {
	return Expectation{
		Description: fmt.Sprintf("exactly %d diagnostics for %s", n, rel),
		Check: func(s State) bool {
			p, ok := s.Diagnostics[rel]
			return ok && len(p.Diagnostics) == n
		},
	}
}

// AtVersion holds when the latest publication for rel is for version v.
func AtVersion(rel string, v int32) Expectation {
	return Expectation{
		Description: fmt.Sprintf("diagnostics for %s at version %d", rel, v),
		Check: func(s State) bool {
			p, ok := s.Diagnostics[rel]
			return ok && p.Version != nil && *p.Version == v
		},
	}
}

// ProgressEnded holds when a work-done progress whose title starts with
// title has begun and ended; with message non-empty its end message must
// contain it.
func ProgressEnded(title, message string) Expectation {
	return Expectation{
		Description: fmt.Sprintf("progress %q ended (message %q)", title, message),
		Check: func(s State) bool {
			for _, ps := range s.Progress {
				if len(ps) == 0 || ps[0].Kind != "begin" || !strings.HasPrefix(ps[0].Title, title) {
					continue
				}
				last := ps[len(ps)-1]
				if last.Kind == "end" && strings.Contains(last.Message, message) {
					return true
				}
			}
			return false
		},
	}
}

// ProbeResult holds when a keyguard/probeResult with this verdict arrived.
func ProbeResult(verdict string) Expectation {
	return Expectation{
		Description: "keyguard/probeResult with verdict " + verdict,
		Check: func(s State) bool {
			for _, p := range s.ProbeResults {
				if p.Verdict == verdict {
					return true
				}
			}
			return false
		},
	}
}

// LogContains holds when a window/logMessage contains s.
func LogContains(sub string) Expectation {
	return Expectation{
		Description: fmt.Sprintf("a log message containing %q", sub),
		Check: func(s State) bool {
			for _, l := range s.Logs {
				if strings.Contains(l, sub) {
					return true
				}
			}
			return false
		},
	}
}
