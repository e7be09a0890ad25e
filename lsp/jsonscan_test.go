package lsp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	sjson "github.com/segmentio/encoding/json"
	"go.lsp.dev/jsonrpc2"
)

var jsonSeeds = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+4`, `"a\nb\u00e9\ud83d\ude00"`,
	`{"a":[1,{"b":null}],"c":"d"}`, ` { "a" : 1 } `, `01`, `1.`, `.5`, `1e`, `+1`, `-`, `[1,]`, `{"a":1,}`,
	`{"a" 1}`, `{a:1}`, `"\x"`, `"\u12g4"`, "\"\x01\"", "\"\xff\"", `"unterminated`, `[1 2]`, `tru`, `nul`,
	`{"a":1}x`, `[[[[]]]]`, `"\\\""`, `"\/"`, "[\"a\",\t\"b\"]\n", `{"":""}`, `{"a":1,"a":2}`,
	strings.Repeat("[", 256) + strings.Repeat("]", 256), strings.Repeat("[", 257) + strings.Repeat("]", 257),
}

// FuzzScanValue: the scanner accepts exactly what encoding/json accepts,
// except that it refuses nesting deeper than maxNesting.
func FuzzScanValue(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := validJSON(data)
		if errors.Is(err, errTooDeep) {
			if !nestingExceeds(data, maxNesting) {
				t.Fatalf("%q: too deep, but it is not", data)
			}
			return
		}
		if want := json.Valid(data); (err == nil) != want {
			t.Fatalf("%q: scanner error %v, encoding/json valid %v", data, err, want)
		}
	})
}

// decodeMessageReference is the decoder decodeMessage replaced (segmentio
// for the envelope, then jsonrpc2.DecodeMessage): FuzzDecodeMessage checks
// that the new one takes the same messages the same way.
func decodeMessageReference(body []byte) (jsonrpc2.Message, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	if nestingExceeds(body, maxNesting) {
		return nil, errTooDeep
	}
	var env struct {
		Method *json.RawMessage `json:"method"`
		ID     *json.RawMessage `json:"id"`
	}
	if err := sjson.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.Method != nil {
		var m string
		if err := json.Unmarshal(*env.Method, &m); err != nil {
			return nil, errors.New("method is not a string")
		}
	}
	if env.ID != nil {
		id := bytes.TrimSpace(*env.ID)
		if len(id) > 0 && id[0] == '"' {
			var str string
			if err := json.Unmarshal(id, &str); err != nil {
				return nil, errors.New("bad string id")
			}
		} else if _, err := strconv.ParseInt(string(id), 10, 32); err != nil {
			return nil, errors.New("bad id")
		}
	}
	return jsonrpc2.DecodeMessage(body)
}

// describe renders a decoded message for comparison, params decoded to
// values (a call's params are re-encoded by jsonrpc2.NewCall).
func describe(t *testing.T, msg jsonrpc2.Message) string {
	t.Helper()
	params := func(raw json.RawMessage) string {
		if len(raw) == 0 || string(raw) == "null" {
			return "none"
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatalf("params %q do not decode: %v", raw, err)
		}
		return fmt.Sprintf("%#v", v)
	}
	switch m := msg.(type) {
	case *jsonrpc2.Call:
		return fmt.Sprintf("call %q %q %s", m.ID(), m.Method(), params(m.Params()))
	case *jsonrpc2.Response:
		return fmt.Sprintf("response %q %v %s", m.ID(), m.Err(), params(m.Result()))
	case jsonrpc2.Request:
		return fmt.Sprintf("notification %q %s", m.Method(), params(m.Params()))
	}
	return fmt.Sprintf("%T", msg)
}

func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"contentChanges":[{"text":"a\nb"}]}}`,
		`{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{"x":[1,2.5,"<&>"]}}`,
		`{"jsonrpc":"2.0","id":"abc","method":"m"}`, `{"jsonrpc":"2.0","id":1,"result":{"a":1}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}`, `{"jsonrpc":"1.0","method":"m"}`,
		`{"jsonrpc":"2.0","method":"m","params":null}`, `{"method":"m","id":null}`, `{"METHOD":"m"}`,
		`{"jsonrpc":"2.0","method":5}`, `{"jsonrpc":"2.0","id":1.5,"method":"m"}`, `{"jsonrpc":"2.0","id":4294967296,"method":"m"}`,
		`{"jsonrpc":"2.0","method":"m"} x`, `{"jsonrpc":"2.0","method":"m","params":{"a":"\x"}}`, `{"method":"m","method":"n"}`,
		`{"jsonrpc":null,"method":"m"}`, `{"jsonrpc":"2.0","method":""}`, `[]`, ` {"jsonrpc":"2.0","method":"m"} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotErr := decodeMessage(body)
		want, wantErr := decodeMessageReference(body)
		if errors.Is(wantErr, errTooDeep) || errors.Is(gotErr, errTooDeep) {
			if !errors.Is(gotErr, errTooDeep) && !errors.Is(wantErr, errTooDeep) {
				t.Fatalf("%q: depth verdicts differ: %v / %v", body, gotErr, wantErr)
			}
			return
		}
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: error %v, before %v", body, gotErr, wantErr)
		}
		if gotErr == nil {
			if g, w := describe(t, got), describe(t, want); g != w {
				t.Fatalf("%q: decoded %s, before %s", body, g, w)
			}
		}
	})
}

// FuzzTextParams: the document decoders (textparams.go) agree with
// segmentio's on every valid params object.
func FuzzTextParams(f *testing.F) {
	for _, s := range []string{
		`{"textDocument":{"uri":"file:///a.py","version":3},"contentChanges":[{"text":"a\nb"}]}`,
		`{"textDocument":{"uri":"u","version":null},"contentChanges":[{"range":{"start":{"line":1,"character":2},"end":{"line":1,"character":3}},"rangeLength":1,"text":"x"},null,{}]}`,
		`{"textDocument":{"uri":"u","languageId":"python","version":1,"text":"k = \"\u00e9\""}}`,
		`{"TextDocument":{"URI":"u"},"CONTENTCHANGES":[{"TEXT":"x","text":"y"}]}`,
		`{"contentChanges":null}`, `{"contentChanges":5}`, `{"contentChanges":[{"text":5}]}`, `{"textDocument":[]}`,
		`{"textDocument":{"version":"3"}}`, `{"contentChanges":[{"range":null,"text":"t"}]}`, `null`, `{}`, `[]`,
		`{"contentChanges":[{"range":{"start":{"line":-1}}}]}`, `{"textDocument":{"text":"\ud800"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) || nestingExceeds(raw, maxNesting) {
			return // decodeMessage has rejected it
		}
		var gotC, wantC DidChangeParams
		errG, errW := decodeDidChange(raw, &gotC), unmarshalParams(raw, &wantC)
		if (errG == nil) != (errW == nil) {
			t.Fatalf("didChange %q: error %v, segmentio %v", raw, errG, errW)
		}
		if errG == nil && !reflect.DeepEqual(gotC, wantC) {
			t.Fatalf("didChange %q: %+v, segmentio %+v", raw, gotC, wantC)
		}
		var gotO, wantO DidOpenParams
		errG, errW = decodeDidOpen(raw, &gotO), unmarshalParams(raw, &wantO)
		if (errG == nil) != (errW == nil) {
			t.Fatalf("didOpen %q: error %v, segmentio %v", raw, errG, errW)
		}
		if errG == nil && !reflect.DeepEqual(gotO, wantO) {
			t.Fatalf("didOpen %q: %+v, segmentio %+v", raw, gotO, wantO)
		}
	})
}

// TestChangedRegion: the region is right (prefix and suffix really are
// common, they do not overlap) and minimal (neither can grow), for random
// texts over a small alphabet, where repeats make overlaps likely.
func TestChangedRegion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab\n"[rng.IntN(3)]
		}
		return b
	}
	for i := range 20000 {
		old := gen(rng.IntN(700))
		var new []byte
		switch i % 3 {
		case 0:
			new = gen(rng.IntN(700))
		default: // an edit somewhere in old
			s := rng.IntN(len(old) + 1)
			e := s + rng.IntN(len(old)-s+1)
			new = append(append(append([]byte(nil), old[:s]...), gen(rng.IntN(300))...), old[e:]...)
		}
		start, oldEnd, newEnd := changedRegion(old, new)
		if start > oldEnd || start > newEnd || len(old)-oldEnd != len(new)-newEnd {
			t.Fatalf("%q → %q: bad region %d %d %d", old, new, start, oldEnd, newEnd)
		}
		if !bytes.Equal(old[:start], new[:start]) || !bytes.Equal(old[oldEnd:], new[newEnd:]) {
			t.Fatalf("%q → %q: prefix/suffix not common (%d %d %d)", old, new, start, oldEnd, newEnd)
		}
		if start < oldEnd && start < newEnd && old[start] == new[start] {
			t.Fatalf("%q → %q: prefix %d could grow", old, new, start)
		}
		if oldEnd > start && newEnd > start && old[oldEnd-1] == new[newEnd-1] {
			t.Fatalf("%q → %q: suffix could grow (%d %d %d)", old, new, start, oldEnd, newEnd)
		}
	}
}

// nestingExceeds (the check decodeMessage did before its scanner) reports whether arrays and objects in data nest deeper
// than limit, counting only brackets outside strings. It does not validate
// the JSON (the decoder does that next); it only makes sure the decoder
// will not recurse too deep. Strings are skipped with memchr, so a
// document's text costs little.
func nestingExceeds(data []byte, limit int) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			end := stringEnd(data, i)
			if end < 0 {
				return false // unterminated: the decoder rejects it
			}
			i = end
		case '[', '{':
			depth++
			if depth > limit {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}
