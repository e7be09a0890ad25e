package lsp

import (
	"fmt"
	"path/filepath"
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
}

// snapshot is what a scan needs, copied under the lock.
type snapshot struct {
	path, display string
	env, ignored  bool
	root          string
	text          []byte
}

func (s *Server) snapshotOf(d *document) snapshot {
	root := s.rootFor(d)
	return snapshot{path: d.path, display: d.displayPath(), env: d.env, root: root, text: d.text,
		ignored: s.ignored(d.path, root)}
}

// analyze scans a snapshot. It takes no lock: document text is replaced,
// never mutated in place, so the snapshot stays valid.
func (s *Server) analyze(sn snapshot) analysis {
	a := analysis{text: sn.text, li: diagnostics.NewLineIndex(sn.text), ignored: sn.ignored}
	if sn.ignored {
		return a
	}
	if sn.env {
		a.env = envscan.Parse(sn.display, sn.text)
		root := ""
		if sn.path != "" {
			// Git checks only make sense for a file on disk.
			root = sn.root
		}
		a.issues = envscan.Hygiene(a.env, sn.text, envscan.HygieneOptions{Root: root})
		a.keys = envscan.KeysToProbe(a.env, nil)
		return a
	}
	a.findings = s.det.Scan(sn.display, sn.text)
	a.clientReads = clientEnvReads(sn.display, sn.text)
	return a
}

// current returns an analysis of the document's current text, scanning now
// if an edit is still waiting for its debounced scan (a code action must
// never work on a stale range). Called with s.mu held.
func (s *Server) current(d *document) analysis {
	if d.scanned == d.gen && d.a.li != nil {
		return d.a
	}
	return s.analyze(s.snapshotOf(d))
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
	s.publishLocked(d)
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
	add := func(code string, def protocol.DiagnosticSeverity, start, end int, msg string) {
		sev, ok := s.severity(code, def)
		if !ok {
			return
		}
		out = append(out, Diagnostic{Range: cur.rangeOf(start, end), Severity: sev, Code: code, Source: Source, Message: msg})
	}
	for _, f := range a.findings {
		add(string(f.Code), severityOf(f.Severity), f.Start, f.End, findingMessage(f))
	}
	for _, r := range a.clientReads {
		sev := diagnostics.SeverityWarning
		if r.public {
			sev = diagnostics.SeverityError
		}
		add(string(diagnostics.CodeClientSideKey), severityOf(sev), r.start, r.end, clientReadMessage(r))
	}
	for _, is := range a.issues {
		add(is.Code, issueSeverity(is.Severity), is.Start, is.End, is.Message)
	}
	for _, kv := range a.keys {
		r, ok := s.verdicts[diagnostics.Fingerprint(kv.Request.Key)]
		if !ok {
			continue
		}
		code, def := verdictCode(r.Verdict)
		if code == "" {
			continue
		}
		add(code, def, kv.Var.ValStart, kv.Var.ValEnd, verdictMessage(kv, r))
	}
	return out
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
