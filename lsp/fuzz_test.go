package lsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/keyguard/keyguard/envscan"
)

type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("fuzzing: no network")
}

func frameOf(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

// FuzzServe feeds arbitrary bytes to the server after a valid initialize:
// whatever arrives, no panic escapes and the session ends when the input
// does. (TestBrokenFramesAreSkipped checks that it goes on answering.)
func FuzzServe(f *testing.F) {
	init := frameOf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`) +
		frameOf(`{"jsonrpc":"2.0","method":"initialized","params":{}}`)
	seeds := []string{
		frameOf(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///w/a.py","languageId":"python","version":1,"text":"k = \"sk-proj-abcdefghijklmnopqrstT3BlbkFJabcdefghijklmnopqrst\""}}}`),
		frameOf(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"untitled:1","languageId":"dotenv","version":1,"text":"A=\"x\nB='y"}}}`),
		frameOf(`{"jsonrpc":"2.0","id":2,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///w/a.py"},"range":{"start":{"line":0,"character":5},"end":{"line":9,"character":99}},"context":{"diagnostics":[]}}}`),
		frameOf(`{"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///w/a.py"},"position":{"line":4294967295,"character":4294967295}}}`),
		frameOf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///w/a.py","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":99},"end":{"line":0,"character":1}},"text":"é"}]}}`),
		frameOf(`{"jsonrpc":"2.0","id":4,"method":"codeAction/resolve","params":{"title":"x","data":{"uri":"file:///w/a.py","version":1,"kind":"move","start":-5,"end":999999}}}`),
		frameOf(`{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{"settings":{"keyguard":{"probe.enabled":"yes","severity":[1]}}}}`),
		"Content-Length: 99999999999\r\n\r\n{",
		"Content-Length: 10\r\n\r\n{\"a\":1}xyz\r\n\r\n",
		"\x00\x01garbage\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New(Options{Debounce: time.Millisecond, ProberConfig: envscan.ProberConfig{Transport: noNetwork{}}})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		in := io.MultiReader(bytes.NewReader([]byte(init)), bytes.NewReader(data))
		done := make(chan struct{})
		go func() {
			s.Serve(ctx, in, io.Discard)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(25 * time.Second):
			t.Fatal("Serve did not return after its input ended")
		}
	})
}
