package lsp

import "bytes"

// maxNesting bounds how deep arrays and objects may nest in one message.
// No LSP message comes near it (the deepest, a settings object or a
// selection range, nests a dozen levels); a frame of two million `[`
// would otherwise overflow the stack of the recursive JSON decoders
// (segmentio's, jsonrpc2's) and take the process down before any handler
// could recover. decodeMessage's scanner (jsonscan.go) refuses deeper
// nesting before any of them sees the message.
const maxNesting = 256

// stringEnd returns the index of the quote that closes the string opening
// at data[open], or -1.
func stringEnd(data []byte, open int) int {
	i := open + 1
	for {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return -1
		}
		q := i + j
		// Escaped when preceded by an odd number of backslashes.
		bs := 0
		for k := q - 1; k > open && data[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return q
		}
		i = q + 1
	}
}

// topLevelScalar returns the raw value of the member key of the JSON object
// in data when it is a string or a number, without decoding anything else:
// it lets the server answer a request it cannot decode (too deep) with an
// error instead of leaving the client waiting.
func topLevelScalar(data []byte, key string) []byte {
	quoted := `"` + key + `"`
	depth := 0
	lastKey := []byte(nil)
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			end := stringEnd(data, i)
			if end < 0 {
				return nil
			}
			if depth == 1 {
				lastKey = data[i : end+1]
			}
			i = end
		case '[', '{':
			depth++
			lastKey = nil
		case ']', '}':
			depth--
			lastKey = nil
		case ':':
			if depth != 1 || string(lastKey) != quoted {
				lastKey = nil
				continue
			}
			v := bytes.TrimLeft(data[i+1:], " \t\r\n")
			if len(v) == 0 {
				return nil
			}
			if v[0] == '"' {
				if end := stringEnd(v, 0); end > 0 {
					return v[:end+1]
				}
				return nil
			}
			n := 0
			for n < len(v) && (v[n] == '-' || v[n] >= '0' && v[n] <= '9') {
				n++
			}
			if n == 0 {
				return nil
			}
			return v[:n]
		case ',':
			lastKey = nil
		}
	}
	return nil
}
