package lsp

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/lsp/envfix"
)

// Contract diagnostic codes (design.md) beyond the detector's.
const (
	CodeEnvKeyInvalid    = "env-key-invalid"
	CodeEnvKeyRevoked    = "env-key-revoked"
	CodeEnvKeyNoQuota    = "env-key-no-quota"
	CodeEnvKeyRestricted = "env-key-restricted"
	CodeEnvKeyUnverified = "env-key-unverified"
	CodeEnvFormat        = envscan.CodeEnvFormat
	CodeEnvNotIgnored    = envscan.CodeEnvNotIgnored
)

// Source names keyguard's diagnostics.
const Source = "keyguard"

// analysis is what a scan of one document text found. It is computed
// without the lock and then stored on the document.
type analysis struct {
	text     []byte
	li       *diagnostics.LineIndex
	ignored  bool
	findings []diagnostics.Finding // code documents
	env      *envscan.File         // .env documents
	issues   []envscan.Issue
	keys     []envscan.KeyVar
	// clientReads are provider-key variables read in browser code
	// (clientenv.go): the diagnostic stays after a key moved to .env.
	clientReads []clientRead
	// historyRoot is where the document's history is looked up ("" for
	// buffers not on disk).
	historyRoot string
}

// snapshot is what a scan needs, copied under the lock.
type snapshot struct {
	path, display string
	env, ignored  bool
	root          string
	text          []byte
	noGit         bool // skip the checks that ask git (hover needs none)
	// prev and edited: the last scan's findings and where the text changed
	// since, when only that region needs scanning again (rescan).
	prev   []diagnostics.Finding
	prevLI *diagnostics.LineIndex
	edited editRegion
	rescan bool
}

func (s *Server) snapshotOf(d *document) snapshot {
	root := s.rootFor(d)
	sn := snapshot{path: d.path, display: d.displayPath(), env: d.env, root: root, text: d.text,
		ignored: s.ignored(d.path, root)}
	// A region rescan needs the last scan to be of the text the edits
	// started from, with the same path and nothing ignored.
	if d.editedOK && d.edited.lo >= 0 && !d.env && !sn.ignored && !d.a.ignored && d.a.li != nil {
		sn.prev, sn.prevLI, sn.edited, sn.rescan = d.a.findings, d.a.li, d.edited, true
	}
	return sn
}

// analyze scans a snapshot. It takes no lock: document text is replaced,
// never mutated in place, so the snapshot stays valid.
func (s *Server) analyze(sn snapshot) analysis {
	a := analysis{text: sn.text, ignored: sn.ignored}
	if sn.rescan {
		a.li = sn.prevLI.Edited(sn.text, sn.edited.lo, sn.edited.hi, sn.edited.delta)
	} else {
		a.li = diagnostics.NewLineIndex(sn.text)
	}
	if sn.ignored {
		return a
	}
	if sn.env {
		a.env = envscan.Parse(sn.display, sn.text)
		root := ""
		if sn.path != "" && !sn.noGit {
			// Git checks only make sense for a file on disk.
			root = sn.root
		}
		// Hygiene looks at the ignore files git would read before it asks
		// git (a FIFO .gitignore would block git) and reports one that is
		// not a regular file as a diagnostic.
		a.issues = templateIssues(sn.display, envscan.Hygiene(a.env, sn.text, envscan.HygieneOptions{Root: root}))
		a.keys = keysToProbe(a.env)
		a.historyRoot = root
		return a
	}
	if sn.rescan {
		a.findings = s.det.Rescan(sn.display, sn.text, a.li, sn.prev, sn.edited.lo, sn.edited.hi, sn.edited.delta)
	} else {
		a.findings = s.det.Scan(sn.display, sn.text)
	}
	// Whole text either way: it costs one memchr pass in files that are
	// not JavaScript or never mention .env.
	a.clientReads = clientEnvReads(sn.display, sn.text)
	return a
}

// current returns an analysis of the document's current text, scanning now
// if an edit is still waiting for its debounced scan (hover must never
// work on a stale range). A stale .env is analysed without the git checks:
// this runs with s.mu held, and git must not run under the lock (code
// actions, which need them, use gatherFix). Called with s.mu held.
func (s *Server) current(d *document) analysis {
	if d.scanned == d.gen && d.a.li != nil {
		return d.a
	}
	sn := s.snapshotOf(d)
	sn.noGit = true
	return s.analyze(sn)
}

// schedule (re)starts the document's debounce timer: each edit cancels the
// pending scan and starts a new one, so a burst of edits costs one scan.
// Called with s.mu held.
func (s *Server) schedule(d *document, delay time.Duration) {
	d.gen++
	gen := d.gen
	d.stopTimer()
	d.timer = time.AfterFunc(delay, func() { s.runDiagnostics(d, gen) })
}

func (s *Server) runDiagnostics(d *document, gen uint64) {
	s.mu.Lock()
	if d.gen != gen || d.closed || s.state != stateInitialized {
		s.mu.Unlock()
		return
	}
	sn := s.snapshotOf(d)
	s.mu.Unlock()

	a := s.analyze(sn)

	s.mu.Lock()
	defer s.mu.Unlock()
	// An edit that arrived while we scanned has its own timer: publishing
	// now would show diagnostics for a text the editor no longer has.
	if d.gen != gen || d.closed || s.state != stateInitialized {
		return
	}
	d.a, d.scanned = a, gen
	// Later edits are relative to this text now.
	d.edited, d.editedOK = editRegion{lo: -1}, true
	s.publishLocked(d)
	if reason := d.probeWanted; reason != "" {
		d.probeWanted = ""
		s.startHardcodedProbes(d, reason)
	}
}

// publishLocked sends the document's diagnostics for its latest version.
// Called with s.mu held, which also keeps publications in order.
func (s *Server) publishLocked(d *document) {
	diags := s.buildDiagnostics(d.a)
	v := d.version
	d.published = true
	s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: d.uri, Version: &v, Diagnostics: diags})
}

// buildDiagnostics turns an analysis into LSP diagnostics with the
// configured severities. Called with s.mu held.
func (s *Server) buildDiagnostics(a analysis) []Diagnostic {
	out := []Diagnostic{}
	if a.ignored || a.li == nil {
		return out
	}
	cur := s.newCursor(a.li, a.text)
	// add appends a diagnostic; provider, when not "", makes it a key
	// diagnostic that links to the provider's key page.
	add := func(code string, def protocol.DiagnosticSeverity, start, end int, msg, provider string) {
		sev, ok := s.severity(code, def)
		if !ok {
			return
		}
		d := Diagnostic{Range: cur.rangeOf(start, end), Severity: sev, Code: code, Source: Source, Message: msg}
		if provider != "" {
			d.CodeDescription = keyPage(provider)
		}
		out = append(out, d)
	}
	for _, f := range a.findings {
		sev, on := s.severity(string(f.Code), severityOf(f.Severity))
		if !on {
			continue
		}
		msg := findingMessage(f)
		if r, ok := s.verdicts[f.Fingerprint]; ok && s.cfg.Probe.Hardcoded {
			// A verdict overrides the configured severity: live is an
			// error, dead a hint.
			sev, msg = hardcodedVerdict(r, sev, msg)
		}
		out = append(out, Diagnostic{Range: cur.rangeOf(f.Start, f.End), Severity: sev, Code: string(f.Code),
			Source: Source, Message: msg, CodeDescription: keyPage(f.Provider)})
	}
	for _, r := range a.clientReads {
		add(string(diagnostics.CodeClientSideKey), severityOf(r.severity()), r.start, r.end, clientReadMessage(r), "")
	}
	for _, is := range a.issues {
		add(is.Code, issueSeverity(is.Severity), is.Start, is.End, is.Message, "")
	}
	for _, kv := range a.keys {
		if maxAge := s.cfg.Rotation.MaxAgeDays; maxAge > 0 {
			const advice = "Make a new key, put it here, and revoke this one."
			if age, date, ok := keyAge(a.text, kv.Var, now()); ok {
				if age > maxAge {
					add(CodeEnvKeyRotate, protocol.DiagnosticSeverityInformation, kv.Var.ValStart, kv.Var.ValEnd,
						fmt.Sprintf("rotate: older than %d days (%s: created %s, %d days ago). %s", maxAge, kv.Var.Name, date, age, advice), kv.Request.Provider)
				}
			} else if a.historyRoot != "" {
				if age, p, ok := s.committedAge(a.historyRoot, diagnostics.Fingerprint(kv.Request.Key)); ok && age > maxAge {
					add(CodeEnvKeyRotate, protocol.DiagnosticSeverityInformation, kv.Var.ValStart, kv.Var.ValEnd,
						fmt.Sprintf("rotate: older than %d days (%s was first committed %s in %s, %s, %d days ago). %s",
							maxAge, kv.Var.Name, p.date.Format("2006-01-02"), p.commit[:min(12, len(p.commit))], p.path, age, advice), kv.Request.Provider)
				}
			}
		}
		r, ok := s.verdicts[diagnostics.Fingerprint(kv.Request.Key)]
		if !ok {
			continue
		}
		code, def := verdictCode(r.Verdict)
		if r.Verdict == envscan.VerdictSkipped && (r.Code == envscan.CodeSharedShape || r.Code == envscan.CodeProbeCap) {
			// Not a problem with the key, but the user should know why it
			// was not checked and what to do about it.
			code, def = CodeEnvKeyUnverified, protocol.DiagnosticSeverityInformation
		}
		if code == "" {
			continue
		}
		add(code, def, kv.Var.ValStart, kv.Var.ValEnd, verdictMessage(kv, r), kv.Request.Provider)
	}
	return out
}

// CodeEnvKeyRotate is the rotation reminder's code. Not yet in design.md's
// contract list (which has no code for it); named like its siblings.
const CodeEnvKeyRotate = "env-key-rotate"

// hardcodedVerdict raises a hardcoded key that works to an error and lowers
// one that is dead to a hint: a live key must be rotated now, a revoked one
// is harmless and only needs deleting. Other verdicts leave it as it is.
func hardcodedVerdict(r envscan.Result, sev protocol.DiagnosticSeverity, msg string) (protocol.DiagnosticSeverity, string) {
	switch r.Verdict {
	case envscan.VerdictValid, envscan.VerdictRestricted, envscan.VerdictNoQuota, envscan.VerdictRateLimited:
		return protocol.DiagnosticSeverityError, "live key — rotate it now (" + string(r.Verdict) + "). " + msg
	case envscan.VerdictRevoked, envscan.VerdictInvalid:
		return protocol.DiagnosticSeverityHint, "revoked — just delete it (the provider answered " + string(r.Verdict) + "). " + msg
	}
	return sev, msg
}

// createdDate finds `created 2026-05-01` (also `created: …`, any case) in a
// comment.
var createdDate = regexp.MustCompile(`(?i)\bcreated:?\s+(\d{4}-\d{2}-\d{2})\b`)

// keyAge reads the creation date a .env line's comment gives its key — an
// inline comment, or a comment line right above — and returns the age in
// whole days.
func keyAge(text []byte, v envscan.Var, now time.Time) (days int, date string, ok bool) {
	var comments [][]byte
	if v.ValEnd >= 0 && v.ValEnd <= len(text) {
		// The rest of the value's line: an inline comment after a quoted
		// or unquoted value.
		rest := text[v.ValEnd:]
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		if i := bytes.IndexByte(rest, '#'); i >= 0 {
			comments = append(comments, rest[i:])
		}
	}
	if v.Start > 0 && v.Start <= len(text) {
		lineStart := bytes.LastIndexByte(text[:v.Start], '\n') + 1
		if lineStart > 0 {
			prev := text[:lineStart-1]
			prev = prev[bytes.LastIndexByte(prev, '\n')+1:]
			if t := bytes.TrimSpace(prev); bytes.HasPrefix(t, []byte("#")) {
				comments = append(comments, t)
			}
		}
	}
	for _, c := range comments {
		m := createdDate.FindSubmatch(c)
		if m == nil {
			continue
		}
		t, err := time.Parse("2006-01-02", string(m[1]))
		if err != nil {
			continue
		}
		return int(now.Sub(t).Hours() / 24), string(m[1]), true
	}
	return 0, "", false
}

func issueSeverity(s envscan.Severity) protocol.DiagnosticSeverity {
	switch s {
	case envscan.SeverityError:
		return protocol.DiagnosticSeverityError
	case envscan.SeverityInfo:
		return protocol.DiagnosticSeverityInformation
	}
	return protocol.DiagnosticSeverityWarning
}

func severityOf(s diagnostics.Severity) protocol.DiagnosticSeverity {
	switch s {
	case diagnostics.SeverityError:
		return protocol.DiagnosticSeverityError
	case diagnostics.SeverityInfo:
		return protocol.DiagnosticSeverityInformation
	case diagnostics.SeverityHint:
		return protocol.DiagnosticSeverityHint
	}
	return protocol.DiagnosticSeverityWarning
}

// severity applies the `severity` setting; false means "off".
func (s *Server) severity(code string, def protocol.DiagnosticSeverity) (protocol.DiagnosticSeverity, bool) {
	switch s.cfg.Severity[code] {
	case "off":
		return 0, false
	case "error":
		return protocol.DiagnosticSeverityError, true
	case "warning":
		return protocol.DiagnosticSeverityWarning, true
	case "information", "info":
		return protocol.DiagnosticSeverityInformation, true
	case "hint":
		return protocol.DiagnosticSeverityHint, true
	}
	return def, true
}

// verdictCode maps a probe verdict to its diagnostic; "" for verdicts that
// are not a problem (valid, skipped).
func verdictCode(v envscan.Verdict) (string, protocol.DiagnosticSeverity) {
	switch v {
	case envscan.VerdictInvalid:
		return CodeEnvKeyInvalid, protocol.DiagnosticSeverityError
	case envscan.VerdictRevoked:
		return CodeEnvKeyRevoked, protocol.DiagnosticSeverityError
	case envscan.VerdictNoQuota:
		return CodeEnvKeyNoQuota, protocol.DiagnosticSeverityError
	case envscan.VerdictRestricted:
		return CodeEnvKeyRestricted, protocol.DiagnosticSeverityWarning
	case envscan.VerdictUnknown, envscan.VerdictRateLimited:
		return CodeEnvKeyUnverified, protocol.DiagnosticSeverityInformation
	}
	return "", 0
}

func providerName(id string) string {
	if p, ok := diagnostics.ProviderByID(id); ok {
		return p.Name
	}
	if id == "" || id == "generic" {
		return "API"
	}
	return id
}

func findingMessage(f diagnostics.Finding) string {
	name := providerName(f.Provider)
	if f.Code == diagnostics.CodeClientSideKey {
		return fmt.Sprintf("%s key %s ships to the browser in client-side code, where anyone can read it: call the provider from a server and keep the key in a server-side environment variable.", name, f.Secret)
	}
	// The message names a quick fix only where one is offered (the path
	// is all there is here: the languageId would tell plaintext apart).
	var fix string
	switch {
	case envfix.Supported("", f.Path) && envfix.Workflow(f.Path):
		fix = "use a repository secret (quick fix)"
	case envfix.Supported("", f.Path):
		fix = "move it to .env (quick fix)"
	case isDocsFile("", f.Path):
		fix = "redact it (quick fix \"Redact key\")"
	default:
		fix = "move it to an environment variable or a secret store"
	}
	return fmt.Sprintf("%s key %s is hardcoded: %s and rotate it if this file was ever committed.", name, f.Secret, fix)
}

func verdictMessage(kv envscan.KeyVar, r envscan.Result) string {
	what := map[envscan.Verdict]string{
		envscan.VerdictInvalid:     "is not accepted (invalid key)",
		envscan.VerdictRevoked:     "has been revoked",
		envscan.VerdictNoQuota:     "has no quota left",
		envscan.VerdictRestricted:  "works but is restricted",
		envscan.VerdictUnknown:     "could not be verified",
		envscan.VerdictRateLimited: "could not be verified (rate-limited)",
		envscan.VerdictSkipped:     "was not checked",
	}[r.Verdict]
	msg := fmt.Sprintf("%s: %s key %s %s", kv.Var.Name, providerName(kv.Request.Provider), diagnostics.Mask(kv.Request.Key), what)
	if r.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", r.Status)
	}
	if r.Detail != "" {
		msg += ". " + r.Detail
	}
	return msg
}

// configExt are files a program reads: never prose, whatever the editor
// calls them.
var configExt = map[string]bool{
	".toml": true, ".ini": true, ".cfg": true, ".conf": true, ".json": true, ".yaml": true, ".yml": true,
	".tf": true, ".tfvars": true, ".hcl": true, ".properties": true, ".xml": true, ".env": true,
}

// isDocsFile tells documents where a key is prose, not code: "Redact key"
// fits there.
func isDocsFile(languageID, path string) bool {
	switch languageID {
	case "markdown", "restructuredtext", "asciidoc", "mdx":
		return true
	case "plaintext":
		// a config file opened as plain text is still read by a program:
		// Redact would break it
		return !configExt[strings.ToLower(filepath.Ext(path))]
	}
	switch filepath.Ext(path) {
	case ".md", ".markdown", ".txt", ".rst", ".adoc", ".mdx":
		return true
	}
	return false
}
