package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"go.lsp.dev/uri"

	"github.com/keyguard/keyguard/diagnostics"
)

// document is an open text document.
type document struct {
	uri        string
	path       string // file path; "" for untitled:, notebook cells and other non-file URIs
	languageID string
	version    int32
	text       []byte // replaced, never mutated in place: scans keep old slices
	env        bool   // a .env file: hygiene + probes instead of the detector
	closed     bool

	// gen counts edits; a debounced scan publishes only if no edit came
	// after the text it scanned.
	gen   uint64
	timer *time.Timer

	a         analysis // what the last scan found
	scanned   uint64   // the gen that a describes
	published bool
	// probeWanted is why the hardcoded keys of this code document are to
	// be probed once its pending scan has found them ("open", "save").
	probeWanted string

	// edited is where the text differs from a.text, when only ranged
	// changes came since that scan (editedOK): the next scan rescans just
	// that region (diagnostics.Detector.Rescan).
	edited   editRegion
	editedOK bool
}

// editRegion: text[lo:hi] replaced a.text[lo:hi-delta]; empty when lo == -1.
type editRegion struct{ lo, hi, delta int }

// add merges a change that replaced text[s:e] (offsets in the text before
// it) with n bytes.
func (r editRegion) add(s, e, n int) editRegion {
	dc := n - (e - s)
	if r.lo < 0 {
		return editRegion{lo: s, hi: s + n, delta: dc}
	}
	hi := r.hi
	switch {
	case hi <= s:
	case hi <= e:
		hi = s + n
	default:
		hi += dc
	}
	return editRegion{lo: min(r.lo, s), hi: max(hi, s+n), delta: r.delta + dc}
}

// lineIndex indexes the current text, reusing the last scan's index when
// it was built over this very text (typing one character into a 50,000-line
// file then costs no new pass over megabytes).
func (d *document) lineIndex() *diagnostics.LineIndex {
	if d.a.li != nil && len(d.a.text) == len(d.text) && (len(d.text) == 0 || &d.a.text[0] == &d.text[0]) {
		return d.a.li
	}
	return diagnostics.NewLineIndex(d.text)
}

func (d *document) stopTimer() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// uriToPath returns the file path of a file: URI. go.lsp.dev/uri's
// Filename panics on other schemes, so it is never called here.
func uriToPath(u string) (string, bool) {
	if !strings.HasPrefix(u, "file:") {
		return "", false
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "file" {
		return "", false
	}
	p := pu.Path
	if runtime.GOOS == "windows" {
		p = strings.TrimPrefix(p, "/")
	}
	if p == "" {
		return "", false
	}
	return filepath.FromSlash(p), true
}

// pathToURI is the file: URI of path.
func pathToURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return string(uri.File(path))
}

func baseOfURI(u string) string {
	if p, ok := uriToPath(u); ok {
		return filepath.Base(p)
	}
	if i := strings.LastIndexAny(u, "/:"); i >= 0 {
		return u[i+1:]
	}
	return u
}

// displayPath names a document for the detector (which looks at the
// extension to tell client-side code) and for logs.
func (d *document) displayPath() string {
	if d.path != "" {
		return d.path
	}
	// untitled:Untitled-1, vscode-notebook-cell:/x/nb.ipynb#W0sZm: keep
	// the name part so that an extension still tells the language.
	name := baseOfURI(d.uri)
	if i := strings.IndexByte(name, '#'); i >= 0 {
		name = name[:i]
	}
	return name
}

func isEnvDocument(path, u string) bool {
	if path != "" {
		return isDotenvName(path)
	}
	return isDotenvName(baseOfURI(u))
}

func (s *Server) didOpen(_ context.Context, raw json.RawMessage) (any, error) {
	var p DidOpenParams
	if err := decodeDidOpen(raw, &p); err != nil {
		return nil, err
	}
	td := p.TextDocument
	if td.URI == "" {
		return nil, fmt.Errorf("didOpen without a uri")
	}
	path, _ := uriToPath(td.URI)
	d := &document{uri: td.URI, path: path, languageID: td.LanguageID, version: td.Version, text: []byte(td.Text)}
	d.env = isEnvDocument(path, td.URI)
	if old := s.docs[td.URI]; old != nil {
		old.stopTimer()
		old.closed = true
	}
	delete(s.scanned, td.URI)
	s.docs[td.URI] = d
	// A freshly opened document shows its diagnostics at once; only
	// typing is debounced.
	s.schedule(d, 0)
	if d.env {
		s.startProbes(d, "open")
	} else {
		s.startHardcodedProbes(d, "open")
	}
	return nil, nil
}

func (s *Server) didChange(ctx context.Context, raw json.RawMessage) (any, error) {
	var p DidChangeParams
	if err := decodeDidChange(raw, &p); err != nil {
		return nil, err
	}
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return nil, fmt.Errorf("didChange for a document that is not open: %s", p.TextDocument.URI)
	}
	for _, c := range p.ContentChanges {
		if c.Range == nil {
			// No range: the whole text, as a client that ignores our
			// incremental sync sends it. (protocol v0.12.0's type would decode this as a
			// zero range, indistinguishable from an insertion at 0:0;
			// ContentChange keeps the difference.) A keystroke changes
			// a few bytes of it: the common prefix and suffix with the
			// text before leave the region that really changed, and the
			// scan redoes only that region, as for a ranged change.
			nt := []byte(c.Text)
			start, oldEnd, newEnd := changedRegion(d.text, nt)
			d.text = nt
			d.edited = d.edited.add(start, oldEnd, newEnd-start)
			continue
		}
		// A ranged change, in the negotiated encoding. Positions past
		// the end of a line or the text clamp to it, as the protocol
		// asks.
		li := d.lineIndex()
		start, end := s.offsetOf(li, c.Range.Start), s.offsetOf(li, c.Range.End)
		if end < start {
			start, end = end, start
		}
		nt := make([]byte, 0, len(d.text)-(end-start)+len(c.Text))
		nt = append(nt, d.text[:start]...)
		nt = append(nt, c.Text...)
		nt = append(nt, d.text[end:]...)
		d.text = nt
		d.edited = d.edited.add(start, end, len(c.Text))
	}
	if p.TextDocument.Version != nil {
		d.version = *p.TextDocument.Version
	}
	// The debounce is a pause after the edit, and the edit happened when
	// its message began to arrive: reading and decoding a whole 3.6 MB
	// document (~8 ms) is part of the pause, not added to it.
	s.schedule(d, max(0, s.opts.Debounce-sinceReceived(ctx)))
	return nil, nil
}

func (s *Server) didSave(_ context.Context, raw json.RawMessage) (any, error) {
	var p DidSaveParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return nil, nil
	}
	if p.Text != nil && string(*p.Text) != string(d.text) {
		d.text = []byte(*p.Text)
		d.editedOK = false
		s.schedule(d, 0)
	}
	if d.env && s.cfg.Probe.OnSave {
		s.startProbes(d, "save")
	} else if !d.env && s.cfg.Probe.OnSave {
		s.startHardcodedProbes(d, "save")
	}
	s.gitignoreSaved(d)
	return nil, nil
}

func (s *Server) didClose(_ context.Context, raw json.RawMessage) (any, error) {
	var p struct {
		TextDocument TextDocumentIdentifier `json:"textDocument"`
	}
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return nil, nil
	}
	d.stopTimer()
	d.closed = true
	d.gen++
	delete(s.docs, p.TextDocument.URI)
	// Closing clears: the editor shows nothing for files it has not open
	// (only a workspace scan publishes for those, on request) — except a
	// workspace .env file, which goes back to the disk view (envfiles.go).
	if !s.envDocumentClosed(d) {
		s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: d.uri, Diagnostics: []Diagnostic{}})
	}
	return nil, nil
}

// offsetOf converts an LSP position in the negotiated encoding to a byte
// offset.
func (s *Server) offsetOf(li *diagnostics.LineIndex, p Position) int {
	if s.utf8 {
		return li.Offset(int(p.Line), int(p.Character))
	}
	return li.OffsetUTF16(int(p.Line), int(p.Character))
}

// positionOf converts a byte offset to an LSP position in the negotiated
// encoding.
func (s *Server) positionOf(li *diagnostics.LineIndex, off int) Position {
	var line, col int
	if s.utf8 {
		line, col = li.Position(off)
	} else {
		line, col = li.UTF16Position(off)
	}
	return Position{Line: uint32(line), Character: uint32(col)}
}

func (s *Server) rangeOf(li *diagnostics.LineIndex, start, end int) Range {
	return Range{Start: s.positionOf(li, start), End: s.positionOf(li, end)}
}

// positionCursor converts many offsets of one text, mostly in increasing
// order, to positions. LineIndex.UTF16Position counts from the start of the
// line every time, which for 300 keys on a 5 MB minified line is 300
// passes over megabytes; the cursor carries on from the last offset on
// the same line.
type positionCursor struct {
	s         *Server
	li        *diagnostics.LineIndex
	text      []byte
	line, off int // last offset converted and its line
	units     int // UTF-16 column of off
	hasLast   bool
}

func (s *Server) newCursor(li *diagnostics.LineIndex, text []byte) *positionCursor {
	return &positionCursor{s: s, li: li, text: text}
}

func (c *positionCursor) position(off int) Position {
	if c.s.utf8 {
		return c.s.positionOf(c.li, off)
	}
	line, col := c.li.Position(off)
	if off > len(c.text) {
		off = len(c.text)
	}
	if !c.hasLast || line != c.line || off < c.off {
		c.line, c.off, c.units, c.hasLast = line, off-col, 0, true
	}
	c.units += diagnostics.UTF16Len(c.text[c.off:off])
	c.off = off
	return Position{Line: uint32(line), Character: uint32(c.units)}
}

func (c *positionCursor) rangeOf(start, end int) Range {
	return Range{Start: c.position(start), End: c.position(end)}
}

// rootFor is the workspace root a document's fixes write .env into: the
// innermost workspace folder holding it, else the first folder (for
// untitled: documents), else the document's own directory; "" when there
// is none.
func (s *Server) rootFor(d *document) string {
	best := ""
	home := d.homePath() // a notebook cell counts as its notebook file
	for _, f := range s.folders {
		fp, ok := uriToPath(f.URI)
		if !ok {
			continue
		}
		if home != "" && (home == fp || strings.HasPrefix(home, fp+string(filepath.Separator))) && len(fp) > len(best) {
			best = fp
		}
	}
	if best != "" {
		return best
	}
	if home != "" {
		return filepath.Dir(home)
	}
	for _, f := range s.folders {
		if fp, ok := uriToPath(f.URI); ok {
			return fp
		}
	}
	return ""
}

// roots are the workspace folders that are directories on disk.
func (s *Server) roots() []string {
	var out []string
	for _, f := range s.folders {
		if fp, ok := uriToPath(f.URI); ok {
			out = append(out, fp)
		}
	}
	return out
}
