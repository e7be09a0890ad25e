package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// finalFrame is the valid request every stream test ends with.
const finalFrame = `{"jsonrpc":"2.0","id":"final","method":"textDocument/hover","params":{"text":"Content-Length: 3\r\n — déjà"}}`

// readAll reads a stream to its end and returns the methods (or ids) of
// what it decoded and the reasons it skipped.
func readAll(t testing.TB, in io.Reader) (got []string, skipped []string) {
	t.Helper()
	s := newTolerantStream(in, io.Discard, nil, func(r string) { skipped = append(skipped, r) })
	for {
		msg, _, err := s.Read(context.Background())
		if errors.Is(err, io.EOF) {
			return got, skipped
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		switch m := msg.(type) {
		case *jsonrpc2.Call:
			got = append(got, fmt.Sprint(m.ID()))
		case jsonrpc2.Request: // a notification
			got = append(got, m.Method())
		case *jsonrpc2.Response:
			got = append(got, "response")
		}
	}
}

// oneByteReader delivers its input a byte at a time, the worst split.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return o.r.Read(b[:1])
}

func TestStreamResynchronises(t *testing.T) {
	body := `{"jsonrpc":"2.0","method":"$/garbage","params":{"t":"x: Content-Length: 12"}}`
	n := len(body)
	for _, tc := range []struct {
		name, raw string
		want      []string // decoded before the final frame
	}{
		{"valid", frameOf(body), []string{"$/garbage"}},
		{"not a number", "Content-Length: abc\r\n\r\n" + body, nil},
		{"negative", "Content-Length: -1\r\n\r\n" + body, nil},
		{"shorter", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n-10, body), nil},
		{"longer", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+100, body), nil},
		{"longer by 1", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+1, body), nil},
		{"longer into the name", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+9, body), nil},
		{"longer into the digits", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+17, body), nil},
		{"longer into the blank line", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", n+21, body), nil},
		{"huge", "Content-Length: 9999999999999\r\n\r\n" + body, nil},
		{"garbage line", "hello world" + frameOf(body), []string{"$/garbage"}},
		{"overlong garbage", strings.Repeat("x", 70000) + frameOf(body), []string{"$/garbage"}},
		{"no blank line", fmt.Sprintf("Content-Length: %d\r\n%s", n, body), nil},
		{"lower case", strings.ToLower(frameOf(body)[:16]) + frameOf(body)[16:], []string{"$/garbage"}},
		{"too deep", frameOf(`{"jsonrpc":"2.0","method":"x","params":` + strings.Repeat("[", 100000) + `}`), nil},
		{"two frames", frameOf(body) + frameOf(body), []string{"$/garbage", "$/garbage"}},
	} {
		for _, split := range []bool{false, true} {
			var in io.Reader = strings.NewReader(tc.raw + frameOf(finalFrame))
			if split {
				in = oneByteReader{in}
			}
			got, skipped := readAll(t, in)
			want := append(append([]string(nil), tc.want...), "final")
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s (split %v): decoded %q, want %q; skipped %q", tc.name, split, got, want, skipped)
			}
		}
	}
}

// A message body is never cut at a Content-Length written inside a JSON
// string, however the bytes arrive.
func TestStreamKeepsHeaderTextInBodies(t *testing.T) {
	text := strings.Repeat(`Content-Length: 12\r\n\r\n{}`, 5000)
	body := `{"jsonrpc":"2.0","id":1,"method":"m","params":{"text":"` + text + `"}}`
	got, skipped := readAll(t, oneByteReader{strings.NewReader(frameOf(body) + frameOf(finalFrame))})
	if fmt.Sprint(got) != `[1 final]` || len(skipped) > 0 {
		t.Errorf("decoded %q, skipped %q", got, skipped)
	}
}

// FuzzFrameReader: whatever garbage (nested, broken lengths, half headers)
// comes first, the reader never panics, ends at the end of input, and a
// valid frame after the garbage is decoded (it is the last message).
func FuzzFrameReader(f *testing.F) {
	for _, s := range []string{
		"",
		"Content-Length: abc\r\n\r\n{}",
		"Content-Length: 3\r\n\r\n",
		"Content-Length: 300\r\n\r\n{\"a\":",
		"Content-Length: 99999999999\r\n\r\n",
		"Content-Length:",
		"content-length: 5\r\nContent-Type: x",
		frameOf(`{"jsonrpc":"2.0","id":1,"method":"x","params":` + strings.Repeat("[", 5000) + `}`),
		frameOf(`{"jsonrpc":"2.0","id":1,"method":"x","params":` + strings.Repeat(`{"a":`, 300) + `}`),
		frameOf(`{"jsonrpc":"2.0","id":2,"method":"x","params":"` + strings.Repeat(`\"[`, 300) + `"}`),
		strings.Repeat("A", 5000),
		"\r\n\r\n\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, garbage []byte) {
		var in bytes.Buffer
		in.Write(garbage)
		in.WriteString(frameOf(finalFrame))
		got, _ := readAll(t, &in)
		if len(got) == 0 || got[len(got)-1] != "final" {
			t.Fatalf("after %q the final frame was lost: decoded %q", garbage, got)
		}
	})
}

// BenchmarkStreamRead: a 4 MB didChange (a 50,000-line document sent
// whole), as the frame reader sees it.
func BenchmarkStreamRead(b *testing.B) {
	line := `    client = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"], base_url: \"http://x\")\n`
	body := []byte(frameOf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///a.py","version":2},"contentChanges":[{"text":"` + strings.Repeat(line, 50000) + `"}]}}`))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		s := newTolerantStream(bytes.NewReader(body), io.Discard, nil, nil)
		if _, _, err := s.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// stallingReader returns its chunks one per Read, sleeping before each
// after the first.
type stallingReader struct {
	chunks [][]byte
	pause  time.Duration
	n      int
}

func (r *stallingReader) Read(b []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	if r.n > 0 {
		time.Sleep(r.pause)
	}
	r.n++
	n := copy(b, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// A notification records when its first bytes arrived, not when its last
// did: a document's debounce counts from there (a 3.6 MB didChange takes
// milliseconds to arrive and decode, which the pause then absorbs).
func TestStreamRecordsArrival(t *testing.T) {
	frame := frameOf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{}}`)
	before := time.Now()
	r := &stallingReader{chunks: [][]byte{[]byte(frame[:20]), []byte(frame[20:])}, pause: 100 * time.Millisecond}
	s := newTolerantStream(r, io.Discard, nil, nil)
	msg, _, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n, ok := msg.(*notification)
	if !ok {
		t.Fatalf("decoded %T", msg)
	}
	if got := n.received.Sub(before); got < 0 || got >= 100*time.Millisecond {
		t.Errorf("received %v after the first bytes were sent; want before the second chunk (100 ms later)", got)
	}
	if time.Since(before) < 100*time.Millisecond {
		t.Fatal("the reader did not stall")
	}
}

// BenchmarkWholeTextChange: the server's work for one whole-text didChange
// of a 50,000-line (3.6 MB) document before its debounce: the frame read
// from a reused stream (the buffer kept, as in a session), the envelope
// check, the text decoded and diffed with the text before.
func BenchmarkWholeTextChange(b *testing.B) {
	var src strings.Builder
	for i := range 50000 {
		fmt.Fprintf(&src, "value_%d = compute(%d, 'some text here', other=[1, 2, 3])  # comment\n", i, i)
	}
	old := []byte(src.String())
	text, _ := json.Marshal(src.String() + "k = 1\n")
	frame := []byte(frameOf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///a.py","version":2},"contentChanges":[{"text":` + string(text) + `}]}}`))
	in := &repeatReader{frame: frame}
	s := newTolerantStream(in, io.Discard, nil, nil)
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		msg, _, err := s.Read(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		var p DidChangeParams
		if err := decodeDidChange(msg.(jsonrpc2.Request).Params(), &p); err != nil {
			b.Fatal(err)
		}
		if _, oldEnd, _ := changedRegion(old, p.ContentChanges[0].Text); oldEnd != len(old) {
			b.Fatal("wrong region")
		}
	}
}

// repeatReader returns frame again and again, in pipe-sized reads.
type repeatReader struct {
	frame []byte
	off   int
}

func (r *repeatReader) Read(b []byte) (int, error) {
	n := copy(b[:min(len(b), 64<<10)], r.frame[r.off:])
	r.off = (r.off + n) % len(r.frame)
	return n, nil
}
