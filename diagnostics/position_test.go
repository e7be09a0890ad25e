package diagnostics

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestLineIndexUTF16(t *testing.T) {
	const key = "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"
	tests := []struct {
		name                string
		prefix              string // text before the key on its line
		before              string // earlier lines
		wantByte, wantUTF16 int
	}{
		{"ascii", `k = "`, "", 5, 5},
		{"emoji is a surrogate pair", `# 🔑 k = "`, "", 12, 10},
		{"cjk is one unit of three bytes", `键 = "`, "", 7, 5},
		{"crlf lines", `k = "`, "line one\r\nline two\r\n", 5, 5},
		{"emoji on earlier line does not shift", `x = "`, "😀😀😀\n", 5, 5},
		{"invalid utf-8 counts one unit per byte", "\xff\xfe = \"", "", 6, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := []byte(tt.before + tt.prefix + key + "\"\r\n")
			fs := Default.Scan("a.py", content)
			if len(fs) != 1 {
				t.Fatalf("want one finding, got %v", formats(fs))
			}
			f := fs[0]
			idx := NewLineIndex(content)
			wantLine := 0
			for _, c := range tt.before {
				if c == '\n' {
					wantLine++
				}
			}
			if f.Line != wantLine+1 || f.Column != tt.wantByte+1 {
				t.Errorf("byte position = %d:%d, want %d:%d", f.Line, f.Column, wantLine+1, tt.wantByte+1)
			}
			line, char := idx.UTF16Position(f.Start)
			if line != wantLine || char != tt.wantUTF16 {
				t.Errorf("utf-16 start = %d:%d, want %d:%d", line, char, wantLine, tt.wantUTF16)
			}
			eline, echar := idx.UTF16Position(f.End)
			if eline != wantLine || echar != tt.wantUTF16+len(key) {
				t.Errorf("utf-16 end = %d:%d, want %d:%d", eline, echar, wantLine, tt.wantUTF16+len(key))
			}
			if got := idx.OffsetUTF16(line, char); got != f.Start {
				t.Errorf("OffsetUTF16 round trip = %d, want %d", got, f.Start)
			}
			if got := idx.Offset(f.Line-1, f.Column-1); got != f.Start {
				t.Errorf("Offset round trip = %d, want %d", got, f.Start)
			}
		})
	}
}

func TestLineIndexClamps(t *testing.T) {
	content := []byte("ab\r\n😀c\n")
	idx := NewLineIndex(content)
	if n := idx.LineCount(); n != 3 {
		t.Errorf("LineCount = %d, want 3", n)
	}
	// A column past the end of a CRLF line stops before the \r.
	if got := idx.OffsetUTF16(0, 99); got != 2 {
		t.Errorf("OffsetUTF16(0, 99) = %d, want 2", got)
	}
	// A column inside a surrogate pair rounds down to the pair's start.
	if got := idx.OffsetUTF16(1, 1); got != 4 {
		t.Errorf("OffsetUTF16(1, 1) = %d, want 4", got)
	}
	if got := idx.OffsetUTF16(1, 2); got != 8 {
		t.Errorf("OffsetUTF16(1, 2) = %d, want 8", got)
	}
	if got := idx.OffsetUTF16(7, 0); got != len(content) {
		t.Errorf("line past the end = %d, want %d", got, len(content))
	}
	if l, c := idx.UTF16Position(1000); l != 2 || c != 0 {
		t.Errorf("UTF16Position past the end = %d:%d, want 2:0", l, c)
	}
}

func FuzzLineIndex(f *testing.F) {
	f.Add([]byte("ab\r\n😀c\n"), 3)
	f.Add([]byte("\xff\xfe\n键"), 2)
	f.Fuzz(func(t *testing.T, content []byte, off int) {
		idx := NewLineIndex(content)
		if off < 0 || off > len(content) {
			off = len(content) / 2
		}
		// Offsets the detector produces fall between runes (keys are
		// ASCII); move off back to the start of the rune holding it, as
		// UTF-8 decoding from the line's start sees runes.
		for b := idx.LineStart(idx.Line(off)); b < off; {
			_, size := utf8.DecodeRune(content[b:])
			if b+size > off {
				off = b
				break
			}
			b += size
		}
		line, col := idx.Position(off)
		if got := idx.LineStart(line) + col; got != off {
			t.Fatalf("Position(%d) = %d:%d, which maps back to %d", off, line, col, got)
		}
		l16, c16 := idx.UTF16Position(off)
		if l16 != line {
			t.Fatalf("UTF16Position line %d != Position line %d", l16, line)
		}
		back := idx.OffsetUTF16(l16, c16)
		if back > off || back < idx.LineStart(line) {
			t.Fatalf("OffsetUTF16(%d,%d) = %d, outside [%d,%d]", l16, c16, back, idx.LineStart(line), off)
		}
	})
}

// UTF16Len agrees with encoding the decoded runes as UTF-16 (one U+FFFD
// unit per invalid byte), across the eight-byte ASCII fast path's edges.
func TestUTF16LenMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	pieces := []string{"a", "abcdefgh", "é", "中", "😀", "\xff", "\xe4\xb8", "\x80", "\r\n", "\x00"}
	for range 5000 {
		var b strings.Builder
		for range r.IntN(20) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := UTF16Len([]byte(s)), len(utf16.Encode([]rune(s))); got != want {
			t.Fatalf("UTF16Len(%q) = %d, want %d", s, got, want)
		}
	}
}
