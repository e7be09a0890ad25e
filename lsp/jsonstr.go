package lsp

import (
	"bytes"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

// docText is a document's text in a JSON message. Both encoding/json and
// segmentio unescape strings byte by byte (~180 MB/s): 20 ms of every
// keystroke in a 50,000-line file. Text is mostly long runs without
// escapes, so this decoder copies runs between backslashes with memmove
// and handles escapes itself; anything unusual (invalid UTF-8, which
// encoding/json turns into U+FFFD) goes to encoding/json so the result is
// always the same as its. FuzzDocText checks that.
type docText string

func (t *docText) UnmarshalJSON(b []byte) error {
	s, ok := unquoteFast(b)
	if ok {
		*t = docText(s)
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	*t = docText(str)
	return nil
}

// unquoteFast decodes a JSON string literal; ok is false when it cannot
// decide quickly (not a string, invalid UTF-8, bad escapes), and the caller
// falls back to encoding/json, which also reports the error.
func unquoteFast(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	b = b[1 : len(b)-1]
	if !utf8.Valid(b) {
		return "", false
	}
	if bytes.IndexByte(b, '\\') < 0 {
		if bytes.IndexByte(b, '"') >= 0 || hasControl(b) {
			return "", false
		}
		return string(b), true
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\\')
		if i < 0 {
			i = len(b)
		}
		run := b[:i]
		if bytes.IndexByte(run, '"') >= 0 || hasControl(run) {
			return "", false
		}
		out = append(out, run...)
		b = b[i:]
		if len(b) == 0 {
			break
		}
		if len(b) < 2 {
			return "", false
		}
		switch b[1] {
		case '"', '\\', '/':
			out = append(out, b[1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := unicodeEscape(b)
			if n == 0 {
				return "", false
			}
			out = utf8.AppendRune(out, r)
			b = b[n:]
			continue
		default:
			return "", false
		}
		b = b[2:]
	}
	return string(out), true
}

// unicodeEscape decodes \uXXXX (and a following low surrogate) at the
// start of b as encoding/json does: a lone surrogate becomes U+FFFD. n is
// the bytes consumed, 0 when the escape is malformed.
func unicodeEscape(b []byte) (rune, int) {
	r := hex4(b)
	if r < 0 {
		return 0, 0
	}
	if utf16.IsSurrogate(r) {
		if r2 := hex4(b[6:]); r2 >= 0 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12
			}
		}
		return utf8.RuneError, 6
	}
	return r, 6
}

// hex4 reads the XXXX of a \uXXXX at the start of b, -1 if malformed.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// hasControl reports a raw control byte, which JSON strings may not hold.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}
