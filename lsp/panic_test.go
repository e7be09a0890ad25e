package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// A handler that panics answers InternalError, logs the stack, and the
// session goes on; a panicking command (async handler) does the same.
func TestPanicsAreRecovered(t *testing.T) {
	handlers["keyguard/test/panic"] = func(*Server, context.Context, json.RawMessage) (any, error) { panic("boom") }
	asyncHandlers["keyguard/test/panicAsync"] = func(*Server, context.Context, string, json.RawMessage) (any, error) { panic("boom async") }
	defer func() {
		delete(handlers, "keyguard/test/panic")
		delete(asyncHandlers, "keyguard/test/panicAsync")
	}()
	var log strings.Builder
	var logMu sync.Mutex
	s := New(Options{Log: writerFunc(func(b []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return log.Write(b)
	})})
	sr, cw := io.Pipe()
	cr, sw := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- s.Serve(ctx, sr, sw); _ = sw.Close() }()
	client := jsonrpc2.NewConn(jsonrpc2.NewStream(rwc{cr, cw}))
	client.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if _, ok := req.(*jsonrpc2.Call); ok {
			return reply(ctx, nil, nil)
		}
		return nil
	})
	call := func(method string) error {
		_, err := client.Call(ctx, method, map[string]any{}, nil)
		return err
	}
	if err := call("initialize"); err != nil {
		t.Fatal(err)
	}
	var je *jsonrpc2.Error
	if err := call("keyguard/test/panic"); !errors.As(err, &je) || je.Code != jsonrpc2.InternalError || !strings.Contains(je.Message, "boom") {
		t.Errorf("panicking handler answered %v, want InternalError", err)
	}
	if err := call("keyguard/test/panicAsync"); !errors.As(err, &je) || je.Code != jsonrpc2.InternalError {
		t.Errorf("panicking async handler answered %v, want InternalError", err)
	}
	if err := call("shutdown"); err != nil {
		t.Fatalf("the session did not survive the panics: %v", err)
	}
	_ = client.Notify(ctx, "exit", nil)
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(log.String(), "handler panicked") || !strings.Contains(log.String(), "panic_test.go") {
		t.Errorf("no panic with stack in the log:\n%s", log.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

type rwc struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func (p rwc) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p rwc) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p rwc) Close() error                { _ = p.r.Close(); return p.w.Close() }
