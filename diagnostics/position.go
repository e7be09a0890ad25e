package diagnostics

import (
	"bytes"
	"encoding/binary"
	"sort"
	"unicode/utf8"
)

// LineIndex maps byte offsets in a document to lines and columns and back,
// in UTF-8 bytes or UTF-16 code units (the LSP default encoding). Lines end at
// "\n"; a "\r" before it belongs to the line's terminator, not its text, so
// CRLF documents get the same columns as LF ones.
type LineIndex struct {
	content    []byte
	lineStarts []int // byte offset of the first byte of each line
}

// NewLineIndex indexes content. It keeps a reference to content.
func NewLineIndex(content []byte) *LineIndex {
	starts := make([]int, 1, 1+len(content)/40)
	// bytes.IndexByte is vectorised: a 1.5 MB minified line costs one
	// quick pass instead of a byte-by-byte loop.
	for off := 0; ; {
		i := bytes.IndexByte(content[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		starts = append(starts, off)
	}
	return &LineIndex{content: content, lineStarts: starts}
}

// Edited returns the index of text, which differs from li's content only in
// text[lo:hi], which replaced content[lo:hi-delta]: li's line starts before
// the change are kept and those after it moved, so a keystroke in a
// 50,000-line file costs a copy of 50,000 ints instead of a pass over
// megabytes. li is left as it is.
func (li *LineIndex) Edited(text []byte, lo, hi, delta int) *LineIndex {
	if lo < 0 || hi < lo || hi > len(text) || len(text)-delta != len(li.content) || hi-delta < lo {
		return NewLineIndex(text)
	}
	old := li.lineStarts
	// Starts at or before lo follow a newline before lo: unchanged.
	i := sort.SearchInts(old, lo+1)
	starts := make([]int, i, len(old)+8)
	copy(starts, old[:i])
	for off := lo; off < hi; {
		j := bytes.IndexByte(text[off:hi], '\n')
		if j < 0 {
			break
		}
		off += j + 1
		starts = append(starts, off)
	}
	// Starts after the old region's end follow a newline at or after it.
	for _, s := range old[sort.SearchInts(old, hi-delta+1):] {
		starts = append(starts, s+delta)
	}
	return &LineIndex{content: text, lineStarts: starts}
}

// LineCount is the number of lines (a final line without "\n" counts).
func (li *LineIndex) LineCount() int { return len(li.lineStarts) }

// LineStart is the byte offset where 0-based line begins.
func (li *LineIndex) LineStart(line int) int {
	if line < 0 {
		return 0
	}
	if line >= len(li.lineStarts) {
		return len(li.content)
	}
	return li.lineStarts[line]
}

// lineEnd is the offset of the line's terminator ("\r\n" or "\n") or EOF.
func (li *LineIndex) lineEnd(line int) int {
	end := len(li.content)
	if line+1 < len(li.lineStarts) {
		end = li.lineStarts[line+1] - 1
		if end > li.lineStarts[line] && li.content[end-1] == '\r' {
			end--
		}
	}
	return end
}

// Line returns the 0-based line holding offset (clamped to the document).
func (li *LineIndex) Line(offset int) int {
	if offset < 0 {
		offset = 0
	}
	if offset > len(li.content) {
		offset = len(li.content)
	}
	return sort.Search(len(li.lineStarts), func(i int) bool { return li.lineStarts[i] > offset }) - 1
}

// Position returns the 0-based line and 0-based byte column of offset.
func (li *LineIndex) Position(offset int) (line, col int) {
	if offset > len(li.content) {
		offset = len(li.content)
	}
	if offset < 0 {
		offset = 0
	}
	line = li.Line(offset)
	return line, offset - li.lineStarts[line]
}

// UTF16Position returns the 0-based line and the column in UTF-16 code
// units of offset. Invalid UTF-8 bytes count as one unit each (as U+FFFD).
func (li *LineIndex) UTF16Position(offset int) (line, char int) {
	line, col := li.Position(offset)
	start := li.lineStarts[line]
	return line, utf16Len(li.content[start : start+col])
}

// Offset converts a 0-based line and byte column to a byte offset, clamping
// the column to the line's text.
func (li *LineIndex) Offset(line, col int) int {
	if line >= len(li.lineStarts) {
		return len(li.content)
	}
	if line < 0 {
		return 0
	}
	start, end := li.lineStarts[line], li.lineEnd(line)
	if col < 0 {
		col = 0
	}
	if start+col > end {
		return end
	}
	return start + col
}

// OffsetUTF16 converts a 0-based line and UTF-16 column to a byte offset,
// clamping to the line's text. A column inside a surrogate pair rounds down.
func (li *LineIndex) OffsetUTF16(line, char int) int {
	if line >= len(li.lineStarts) {
		return len(li.content)
	}
	if line < 0 {
		return 0
	}
	off, end := li.lineStarts[line], li.lineEnd(line)
	units := 0
	for off < end {
		r, size := utf8.DecodeRune(li.content[off:end])
		n := 1
		if r >= 0x10000 {
			n = 2
		}
		if units+n > char {
			break
		}
		units += n
		off += size
	}
	return off
}

// UTF16Len is the length of b in UTF-16 code units, counting each byte of
// invalid UTF-8 as one unit (U+FFFD), as editors do.
func UTF16Len(b []byte) int { return utf16Len(b) }

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		// ASCII runs are one unit a byte: skip them eight at a time.
		for len(b) >= 8 && binary.LittleEndian.Uint64(b)&0x8080808080808080 == 0 {
			n += 8
			b = b[8:]
		}
		if len(b) == 0 {
			break
		}
		r, size := utf8.DecodeRune(b)
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		b = b[size:]
	}
	return n
}
