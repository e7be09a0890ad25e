// Package report writes scan results as text, JSON or SARIF. Every format
// shows keys masked; the full key never reaches an output.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/walk"
)

// Format names an output format.
type Format string

const (
	Text  Format = "text"
	JSON  Format = "json"
	SARIF Format = "sarif"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, JSON, SARIF:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, json or sarif)", s)
}

// Options for writing.
type Options struct {
	Color   bool   // ANSI colours in text output
	Version string // tool version for SARIF
	// Extras, when not nil, holds one Extra per finding of the result, in
	// the same order: history and verification facts the working-tree
	// finding does not have.
	Extras []Extra
}

// Extra is what a finding may carry beyond the working-tree fields
// (design.md: `commit`, `date` for history; `verdict`, `detail` for
// --verify). Empty fields are left out of every format.
type Extra struct {
	Commit  string // full hash of the commit that brought the key
	Date    string // its author date, RFC 3339
	Verdict string // probe verdict (envscan's contract values)
	Detail  string // the probe's one-line explanation
	Live    bool   // the verdict says the key works: text marks it
}

func (o Options) extra(i int) Extra {
	if i < len(o.Extras) {
		return o.Extras[i]
	}
	return Extra{}
}

// textSuffix is what text output adds after a finding for its Extra.
func (e Extra) textSuffix() string {
	var b strings.Builder
	if e.Commit != "" {
		date := e.Date
		if len(date) > 10 {
			date = date[:10]
		}
		fmt.Fprintf(&b, " (commit %s, %s)", e.Commit[:min(12, len(e.Commit))], date)
	}
	if e.Verdict != "" {
		if e.Live {
			fmt.Fprintf(&b, " LIVE: %s — rotate it now", e.Verdict)
		} else {
			fmt.Fprintf(&b, " %s", e.Verdict)
		}
	}
	return b.String()
}

// Write renders res in format f.
func Write(w io.Writer, f Format, res walk.Result, opts Options) error {
	switch f {
	case JSON:
		return writeJSON(w, res, opts)
	case SARIF:
		return writeSARIF(w, res, opts)
	default:
		return writeText(w, res, opts)
	}
}

const (
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
	ansiReset  = "\x1b[0m"
)

// writeText prints one grep-like line per finding:
// path:line:col: provider rule masked. Strings that come from the
// repository are quoted if they hold control characters (Quote): a file
// name must not drive the terminal.
func writeText(w io.Writer, res walk.Result, opts Options) error {
	for i, f := range res.Findings {
		var err error
		f.Path, f.Secret = Quote(filepath.ToSlash(f.Path)), Quote(f.Secret)
		f.Secret += encodedNote(f.Encoding)
		// The suffix holds a provider's detail: a hostile endpoint's text
		// is quoted like a hostile file name.
		suffix := Quote(opts.extra(i).textSuffix())
		if opts.Color {
			sev := ansiYellow
			if f.Severity == diagnostics.SeverityError {
				sev = ansiRed
			}
			if opts.extra(i).Live {
				suffix = ansiBold + ansiRed + suffix + ansiReset
			}
			_, err = fmt.Fprintf(w, "%s%s%s:%d:%d: %s%s %s%s %s%s\n", ansiBold, f.Path, ansiReset, f.Line, f.Column, sev, f.Provider, f.Rule, ansiReset, f.Secret, suffix)
		} else {
			_, err = fmt.Fprintf(w, "%s:%d:%d: %s %s %s%s\n", f.Path, f.Line, f.Column, f.Provider, f.Rule, f.Secret, suffix)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// jsonFinding is the contract shape (design.md) plus code, format, severity.
type jsonFinding struct {
	Path        string `json:"path"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	EndLine     int    `json:"endLine"`
	EndColumn   int    `json:"endColumn"`
	Provider    string `json:"provider"`
	Rule        string `json:"rule"`
	Secret      string `json:"secret"`
	Fingerprint string `json:"fingerprint"`
	Code        string `json:"code"`
	Format      string `json:"format"`
	Severity    string `json:"severity"`
	Encoding    string `json:"encoding,omitempty"`
	Commit      string `json:"commit,omitempty"`
	Date        string `json:"date,omitempty"`
	Verdict     string `json:"verdict,omitempty"`
	Detail      string `json:"detail,omitempty"`
}

func writeJSON(w io.Writer, res walk.Result, opts Options) error {
	out := struct {
		Findings []jsonFinding `json:"findings"`
		Stats    walk.Stats    `json:"stats"`
	}{Findings: []jsonFinding{}, Stats: res.Stats}
	for i, f := range res.Findings {
		x := opts.extra(i)
		out.Findings = append(out.Findings, jsonFinding{
			Path: filepath.ToSlash(f.Path), Line: f.Line, Column: f.Column, EndLine: f.EndLine, EndColumn: f.EndColumn,
			Provider: f.Provider, Rule: f.Rule, Secret: f.Secret, Fingerprint: f.Fingerprint,
			Code: string(f.Code), Format: f.Format, Severity: f.Severity.String(), Encoding: f.Encoding,
			Commit: x.Commit, Date: x.Date, Verdict: x.Verdict, Detail: x.Detail,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// SARIF 2.1.0, the subset GitHub code scanning reads. Hand-written rather
// than a SARIF library: the subset is small and fixed, and a library would
// bring its own dependencies for a dozen structs. TestSARIFShape checks it
// against GitHub's documented requirements.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	HelpURI              string          `json:"helpUri"`
	Help                 sarifText       `json:"help"`
	DefaultConfiguration sarifConfig     `json:"defaultConfiguration"`
	Properties           sarifProperties `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifProperties struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
	Precision        string   `json:"precision"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          *resultProperties `json:"properties,omitempty"`
}

// resultProperties carry history and verification facts (SARIF's
// property bag: code scanning keeps it and shows nothing wrong).
type resultProperties struct {
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	Verdict string `json:"verdict,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

const infoURI = "https://github.com/keyguard/keyguard"

func sarifLevel(s diagnostics.Severity) string {
	switch s {
	case diagnostics.SeverityError:
		return "error"
	case diagnostics.SeverityWarning:
		return "warning"
	}
	return "note"
}

func writeSARIF(w io.Writer, res walk.Result, opts Options) error {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: "keyguard", Version: opts.Version, InformationURI: infoURI, Rules: []sarifRule{}}},
		Results: []sarifResult{},
	}
	ruleIndex := map[string]int{}
	for i, f := range res.Findings {
		idx, ok := ruleIndex[f.Rule]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[f.Rule] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(f))
		}
		name := providerName(f.Provider)
		x := opts.extra(i)
		fingerprints := map[string]string{"keyguard/v1": f.Fingerprint}
		var props *resultProperties
		if x != (Extra{}) {
			props = &resultProperties{Commit: x.Commit, Date: x.Date, Verdict: x.Verdict, Detail: x.Detail}
		}
		if x.Commit != "" {
			// The same key at the same place in another commit is another
			// result: code scanning must not merge them.
			fingerprints["keyguard/commit/v1"] = x.Commit
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: f.Rule, RuleIndex: idx, Level: sarifLevel(f.Severity),
			Message: sarifText{Text: fmt.Sprintf("Hardcoded %s API key %s%s: move it to an environment variable (.env, git-ignored) and rotate it if it was ever committed.", name, f.Secret, encodedNote(f.Encoding))},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: sarifURI(f.Path)},
				Region:           sarifRegion{StartLine: f.Line, StartColumn: f.Column, EndLine: f.EndLine, EndColumn: f.EndColumn},
			}}},
			PartialFingerprints: fingerprints,
			Properties:          props,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

func encodedNote(enc string) string {
	if enc == "" {
		return ""
	}
	return " (" + enc + "-encoded)"
}

func sarifRuleFor(f diagnostics.Finding) sarifRule {
	name := providerName(f.Provider)
	short := name + " API key in source code"
	full := "A " + name + " API key is written into a file. Anyone who can read the repository (or, for client-side code, the web page) can use it."
	severity := "8.0"
	if f.Code == diagnostics.CodeClientSideKey {
		short = "API key in client-side code"
		full = "An API key is written into code that runs in the browser (or a NEXT_PUBLIC_/VITE_ variable), so every visitor can read it."
		severity = "9.0"
	} else if f.Code == diagnostics.CodeCommittedEnvKey {
		// One rule for every provider: the description names none.
		short = "API key in a committed .env file"
		full = "A .env file with an API key is tracked by git or staged, so the key is (or is about to be) in the repository's history."
		severity = "9.0"
	} else if f.Provider == "generic" {
		severity = "5.0"
	}
	return sarifRule{
		ID: f.Rule, Name: ruleName(f.Rule),
		ShortDescription: sarifText{Text: short}, FullDescription: sarifText{Text: full},
		HelpURI:              infoURI + "#allow-comments",
		Help:                 sarifText{Text: "Move the key to an environment variable read from a git-ignored .env file, rotate the key, or mark a deliberate test key with a `keyguard:allow` comment."},
		DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity)},
		Properties:           sarifProperties{Tags: []string{"security", "secret", "external/cwe/cwe-798"}, SecuritySeverity: severity, Precision: "high"},
	}
}

func providerName(id string) string {
	if p, ok := diagnostics.ProviderByID(id); ok {
		return p.Name
	}
	return id
}

// ruleName turns "openai-project-key" into "OpenaiProjectKey" (SARIF rule
// names are identifiers).
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// sarifURI is a relative, forward-slash URI as code scanning wants, each
// segment percent-escaped (a file named "a b#1.ts" must not turn into a
// fragment, nor "x?y" into a query).
func sarifURI(path string) string {
	p := filepath.ToSlash(filepath.Clean(path))
	p = strings.TrimPrefix(p, "./")
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	// "a:b.py" would read as scheme "a": escape the colon of a first segment.
	segs[0] = strings.ReplaceAll(segs[0], ":", "%3A")
	return strings.Join(segs, "/")
}
