package report

import (
	"strings"
	"unicode/utf8"
)

// Quote makes a string from the repository (a file name, a message that
// holds one) safe to print on a terminal: if it holds a control character
// (ESC of an ANSI or OSC 52 sequence, CR, BEL, DEL, C1 controls), a
// bidirectional override (U+202A–U+202E, U+2066–U+2069) or invalid UTF-8,
// it comes back C-quoted as git quotes paths: `"a\033]52;c;…\007b"`.
// Anything else is returned unchanged, so ordinary names print as they are.
//
// Text output of scan and check goes through it; JSON and SARIF need not
// (their encoders escape control characters).
func Quote(s string) string {
	if !needsQuote(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			octal(&b, s[i])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			if e, ok := cEscapes[byte(r)]; ok {
				b.WriteString(e)
			} else {
				octal(&b, byte(r))
			}
		case isUnsafeRune(r):
			for j := 0; j < size; j++ {
				octal(&b, s[i+j])
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

var cEscapes = map[byte]string{'\a': `\a`, '\b': `\b`, '\t': `\t`, '\n': `\n`, '\v': `\v`, '\f': `\f`, '\r': `\r`}

func octal(b *strings.Builder, c byte) {
	b.WriteByte('\\')
	b.WriteByte('0' + c>>6)
	b.WriteByte('0' + c>>3&7)
	b.WriteByte('0' + c&7)
}

func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return true
		}
		if c >= 0x80 {
			// Slow path only for non-ASCII names.
			for _, r := range s[i:] {
				if r == utf8.RuneError || r < 0x20 || r == 0x7f || isUnsafeRune(r) {
					return true
				}
			}
			return !utf8.ValidString(s)
		}
	}
	return false
}

// isUnsafeRune: C1 controls (a terminal may read U+009B as CSI) and the
// bidirectional overrides that reorder what is shown ("Trojan Source").
func isUnsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}
