package diagnostics

import "bytes"

// rescanMargin is how far, in bytes, what decides a finding may lie from
// it: the longest context-word window (700) plus the word and the longest
// context value (256), the 1,000 bytes a check looks back, the 2,048 a docs
// URL is walked back. Everything else the detector looks at stays on the
// finding's line or the one before (allow comments), and runs of key or
// hex characters never cross a line, so a margin of whole lines that is at
// least this wide sees all of it.
const rescanMargin = 8 << 10

// rescanMinSize: below it a full scan costs next to nothing (and is what
// Rescan does).
const rescanMinSize = 64 << 10

// Rescan returns what Scan(path, text) returns, given prev, the findings of
// Scan(path, old) for an earlier text old that differs from text only in
// text[lo:hi], which replaced old[lo:hi-delta] (delta = len(text)-len(old)).
// Only the lines around the change are scanned again, with rescanMargin of
// context on each side; the findings before and after them are prev's,
// moved by delta. A keystroke in a 50,000-line file then rescans a few
// kilobytes instead of megabytes. li must index text (nil: built here).
func (d *Detector) Rescan(path string, text []byte, li *LineIndex, prev []Finding, lo, hi, delta int) []Finding {
	n := len(text)
	if n < rescanMinSize || lo < 0 || hi < lo || hi > n || hi-delta < lo || hi-delta > n-delta {
		return d.Scan(path, text)
	}
	// core: whole lines around the change, rescanMargin on each side; its
	// findings come from the new scan. window: rescanMargin more on each
	// side, so that the core's findings see all their context.
	cs, ce := lineStartBefore(text, lo-rescanMargin), lineEndAfter(text, hi+rescanMargin)
	ws, we := lineStartBefore(text, cs-rescanMargin), lineEndAfter(text, ce+rescanMargin)
	if we-ws > n/2 {
		return d.Scan(path, text)
	}
	sub := d.Scan(path, text[ws:we])
	if li == nil {
		li = NewLineIndex(text)
	}
	out := make([]Finding, 0, len(prev)+len(sub))
	for _, f := range prev {
		if f.Start < cs {
			out = append(out, f)
		}
	}
	for _, f := range sub {
		f.Start += ws
		f.End += ws
		if f.Start >= cs && f.Start < ce {
			out = append(out, f)
		}
	}
	for _, f := range prev {
		// ce > hi: everything from ce on was in old at ce-delta.
		if f.Start >= ce-delta {
			f.Start += delta
			f.End += delta
			out = append(out, f)
		}
	}
	for i := range out {
		f := &out[i]
		l0, c0 := li.Position(f.Start)
		l1, c1 := li.Position(f.End)
		f.Line, f.Column, f.EndLine, f.EndColumn = l0+1, c0+1, l1+1, c1+1
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// lineStartBefore is the start of the line holding off (clamped to text).
func lineStartBefore(text []byte, off int) int {
	if off <= 0 {
		return 0
	}
	off = min(off, len(text))
	return bytes.LastIndexByte(text[:off], '\n') + 1
}

// lineEndAfter is the offset just past the newline that ends the line
// holding off, or len(text).
func lineEndAfter(text []byte, off int) int {
	if off >= len(text) {
		return len(text)
	}
	off = max(off, 0)
	if i := bytes.IndexByte(text[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(text)
}
