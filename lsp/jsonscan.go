package lsp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// A small JSON scanner for the messages that carry a whole document.
//
// Why not a library: segmentio's decoder (jsonrpc2's own) and encoding/json
// both walk a string that holds escapes one byte at a time (~180 MB/s).
// Every line break in a document's text is an escape, so a didChange
// carrying a 50,000-line (3.6 MB) file cost ~20 ms per pass, and the
// message went through three passes (envelope, jsonrpc2's RawMessage,
// params) before the document was even scanned. This scanner validates
// strings a run at a time: memchr for the next quote and backslash, a word
// at a time for control characters. It checks
// exactly the JSON grammar (RFC 8259), so the server accepts and rejects
// the same bodies as before; FuzzScanValue checks it against encoding/json.

// errTooDeep: arrays and objects nest deeper than maxNesting.
var errTooDeep = fmt.Errorf("nests deeper than %d levels", maxNesting)

// jsonScanner walks one JSON text. validate false skims: it only finds
// where values end, for input a validating pass has already accepted.
type jsonScanner struct {
	data     []byte
	validate bool
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s jsonScanner) skipSpace(i int) int {
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

func (s jsonScanner) syntaxError(i int, what string) error {
	if i >= len(s.data) {
		return fmt.Errorf("unexpected end of JSON input (%s)", what)
	}
	return fmt.Errorf("invalid character %q at offset %d (%s)", s.data[i], i, what)
}

// value returns the end of the value that starts at or after i (spaces
// skipped), depth being the nesting of the container it is in.
func (s jsonScanner) value(i, depth int) (int, error) {
	i = s.skipSpace(i)
	if i >= len(s.data) {
		return i, s.syntaxError(i, "looking for a value")
	}
	switch c := s.data[i]; {
	case c == '"':
		return s.str(i)
	case c == '{':
		return s.object(i, depth+1, nil)
	case c == '[':
		return s.array(i, depth+1, nil)
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number(i)
	default:
		return i, s.syntaxError(i, "looking for a value")
	}
}

func (s jsonScanner) literal(i int, lit string) (int, error) {
	if !bytes.HasPrefix(s.data[i:], []byte(lit)) {
		return i, s.syntaxError(i, "in literal "+lit)
	}
	return i + len(lit), nil
}

// number accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s jsonScanner) number(i int) (int, error) {
	d := s.data
	digits := func(i int) (int, bool) {
		j := i
		for j < len(d) && '0' <= d[j] && d[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i, _ = digits(i)
	default:
		return i, s.syntaxError(i, "in number")
	}
	if i < len(d) && d[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			return i, s.syntaxError(i, "after decimal point in number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			return i, s.syntaxError(i, "in exponent of number")
		}
	}
	return i, nil
}

// str returns the end of the string whose opening quote is at i.
func (s jsonScanner) str(i int) (int, error) {
	if !s.validate {
		end := stringEnd(s.data, i)
		if end < 0 {
			return len(s.data), s.syntaxError(len(s.data), "in string")
		}
		return end + 1, nil
	}
	d := s.data
	// The next quote and backslash are each searched for once per run, so
	// a text with an escape on every line costs one pass, not one pass
	// per escape.
	quote := -1
	for p := i + 1; ; {
		if quote < p {
			q := bytes.IndexByte(d[p:], '"')
			if q < 0 {
				return len(d), s.syntaxError(len(d), "in string")
			}
			quote = p + q
		}
		run := d[p:quote]
		bs := bytes.IndexByte(run, '\\')
		if bs >= 0 {
			run = run[:bs]
		}
		if hasControlFast(run) {
			return p, fmt.Errorf("control character in string at offset %d", p+bytes.IndexFunc(run, func(r rune) bool { return r < 0x20 }))
		}
		if bs < 0 {
			// Invalid UTF-8 is valid JSON to encoding/json and segmentio
			// (decoding makes it U+FFFD), so it is here.
			return quote + 1, nil
		}
		e := p + bs // the backslash
		if e+1 >= len(d) {
			return len(d), s.syntaxError(len(d), "in string escape")
		}
		switch d[e+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			p = e + 2
		case 'u':
			if hex4(d[e:]) < 0 {
				return e, fmt.Errorf("invalid \\u escape in string at offset %d", e)
			}
			p = e + 6
		default:
			return e, fmt.Errorf("invalid escape in string at offset %d", e)
		}
	}
}

// hasControlFast is hasControl eight bytes at a time: a word holds a byte
// below 0x20 exactly when (w - 0x20…) & ^w & 0x80… is not zero ("hasless"
// from Bit Twiddling Hacks).
func hasControlFast(b []byte) bool {
	const highs, n = 0x8080808080808080, 0x20 * 0x0101010101010101
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		if (w-n)&^w&highs != 0 {
			return true
		}
		b = b[8:]
	}
	return hasControl(b)
}

// object returns the end of the object whose '{' is at i, calling member
// (when not nil) with each member's raw key (quotes included) and value.
func (s jsonScanner) object(i, depth int, member func(key, value []byte) error) (int, error) {
	if depth > maxNesting {
		return i, errTooDeep
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(s.data) || s.data[i] != '"' {
			return i, s.syntaxError(i, "looking for an object key")
		}
		kEnd, err := s.str(i)
		if err != nil {
			return kEnd, err
		}
		key := s.data[i:kEnd]
		i = s.skipSpace(kEnd)
		if i >= len(s.data) || s.data[i] != ':' {
			return i, s.syntaxError(i, "after object key")
		}
		vStart := s.skipSpace(i + 1)
		vEnd, err := s.value(vStart, depth)
		if err != nil {
			return vEnd, err
		}
		if member != nil {
			if err := member(key, s.data[vStart:vEnd]); err != nil {
				return vEnd, err
			}
		}
		i = s.skipSpace(vEnd)
		if i < len(s.data) && s.data[i] == ',' {
			i = s.skipSpace(i + 1)
			continue
		}
		if i < len(s.data) && s.data[i] == '}' {
			return i + 1, nil
		}
		return i, s.syntaxError(i, "after object member")
	}
}

// array returns the end of the array whose '[' is at i, calling element
// (when not nil) with each element.
func (s jsonScanner) array(i, depth int, element func(value []byte) error) (int, error) {
	if depth > maxNesting {
		return i, errTooDeep
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == ']' {
		return i + 1, nil
	}
	for {
		vStart := s.skipSpace(i)
		vEnd, err := s.value(vStart, depth)
		if err != nil {
			return vEnd, err
		}
		if element != nil {
			if err := element(s.data[vStart:vEnd]); err != nil {
				return vEnd, err
			}
		}
		i = s.skipSpace(vEnd)
		if i < len(s.data) && s.data[i] == ',' {
			i++
			continue
		}
		if i < len(s.data) && s.data[i] == ']' {
			return i + 1, nil
		}
		return i, s.syntaxError(i, "after array element")
	}
}

// validJSON reports whether data is exactly one JSON value (spaces around
// it allowed), nesting at most maxNesting deep.
func validJSON(data []byte) error {
	s := jsonScanner{data: data, validate: true}
	end, err := s.value(0, 0)
	if err != nil {
		return err
	}
	if end = s.skipSpace(end); end != len(data) {
		return s.syntaxError(end, "after top-level value")
	}
	return nil
}

// eachMember calls member for each member of the JSON object data, with the
// key decoded. With validate false data must already be known valid; a
// JSON null is an object without members, as the decoders treat it.
func eachMember(data []byte, validate bool, member func(key string, value []byte) error) error {
	s := jsonScanner{data: data, validate: validate}
	i := s.skipSpace(0)
	if isNull(s, i) {
		return nil
	}
	if i >= len(data) || data[i] != '{' {
		return errors.New("not a JSON object")
	}
	end, err := s.object(i, 1, func(key, value []byte) error {
		k, ok := jsonString(key)
		if !ok {
			return errors.New("bad object key")
		}
		return member(k, value)
	})
	if err != nil {
		return err
	}
	if end = s.skipSpace(end); end != len(data) {
		return s.syntaxError(end, "after object")
	}
	return nil
}

// eachElement calls element for each element of the JSON array data; a
// JSON null is an empty array.
func eachElement(data []byte, validate bool, element func(value []byte) error) error {
	s := jsonScanner{data: data, validate: validate}
	i := s.skipSpace(0)
	if isNull(s, i) {
		return nil
	}
	if i >= len(data) || data[i] != '[' {
		return errors.New("not a JSON array")
	}
	end, err := s.array(i, 1, element)
	if err != nil {
		return err
	}
	if end = s.skipSpace(end); end != len(data) {
		return s.syntaxError(end, "after array")
	}
	return nil
}

// isNull: the text at i is a JSON null and nothing else.
func isNull(s jsonScanner, i int) bool {
	return bytes.HasPrefix(s.data[i:], []byte("null")) && s.skipSpace(i+4) == len(s.data)
}

// keyIs matches an object key to a field name as segmentio's and
// encoding/json's decoders do for struct fields: exactly, else ignoring
// ASCII case.
func keyIs(key, name string) bool {
	if key == name {
		return true
	}
	if len(key) != len(name) {
		return false
	}
	for i := 0; i < len(key); i++ {
		a, b := key[i], name[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
