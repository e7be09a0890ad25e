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
//
// It is bytes, not a string: the server keeps a document's text as a
// []byte, and the decoded text becomes it without another 3.6 MB copy.
type docText []byte

func (t *docText) UnmarshalJSON(b []byte) error {
	if text, ok := unquoteFastBytes(b); ok {
		*t = text
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	*t = docText(str)
	return nil
}

// MarshalJSON writes the text as a JSON string (a []byte would otherwise
// be base64).
func (t docText) MarshalJSON() ([]byte, error) { return json.Marshal(string(t)) }

// unquoteFast decodes a JSON string literal; ok is false when it cannot
// decide quickly (not a string, invalid UTF-8, bad escapes), and the caller
// falls back to encoding/json, which also reports the error.
func unquoteFast(b []byte) (string, bool) {
	out, ok := unquoteFastBytes(b)
	return string(out), ok
}

// jsonString decodes a JSON string literal (not null, unlike docText),
// with unquoteFast first and encoding/json for what it cannot decide.
func jsonString(raw []byte) (string, bool) {
	if str, ok := unquoteFast(raw); ok {
		return str, true
	}
	var str string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &str) != nil {
		return "", false
	}
	return str, true
}

// unquoteFastBytes is unquoteFast into a new []byte.
func unquoteFastBytes(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	b = b[1 : len(b)-1]
	if !utf8.Valid(b) {
		return nil, false
	}
	if bytes.IndexByte(b, '\\') < 0 {
		if bytes.IndexByte(b, '"') >= 0 || hasControlFast(b) {
			return nil, false
		}
		return bytes.Clone(b), true
	}
	// Unescape in place in a copy: every escape is longer than what it
	// stands for, so the write position never passes the read position.
	// (make would zero the 3.6 MB first; Clone only copies.)
	out := bytes.Clone(b)
	w, r := 0, 0
	for r < len(out) {
		i := bytes.IndexByte(out[r:], '\\')
		if i < 0 {
			i = len(out) - r
		}
		run := out[r : r+i]
		if bytes.IndexByte(run, '"') >= 0 || hasControlFast(run) {
			return nil, false
		}
		w += copy(out[w:], run)
		r += i
		if r == len(out) {
			break
		}
		if r+1 >= len(out) {
			return nil, false
		}
		switch out[r+1] {
		case '"', '\\', '/':
			out[w] = out[r+1]
		case 'b':
			out[w] = '\b'
		case 'f':
			out[w] = '\f'
		case 'n':
			out[w] = '\n'
		case 'r':
			out[w] = '\r'
		case 't':
			out[w] = '\t'
		case 'u':
			ru, n := unicodeEscape(out[r:])
			if n == 0 {
				return nil, false
			}
			w += utf8.EncodeRune(out[w:], ru)
			r += n
			continue
		default:
			return nil, false
		}
		w++
		r += 2
	}
	return out[:w:w], true
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
