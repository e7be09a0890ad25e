package lsp

import (
	"encoding/json"
	"fmt"

	"go.lsp.dev/jsonrpc2"
)

// The two notifications that carry a whole document, didOpen and a
// full-text didChange, are decoded here with the scanner of jsonscan.go
// rather than by unmarshalParams: segmentio finds where a string value ends
// by walking it a byte at a time when it holds escapes (every line break
// is one), ~20 ms for a 50,000-line document, before handing it to
// docText's fast decoder. Everything but the text goes through
// unmarshalParams as before, so field rules stay segmentio's;
// FuzzTextParams checks that both decoders agree.
//
// The params were validated by decodeMessage; validate=false only finds
// where values end. A malformed value still fails (in unmarshalParams or
// docText) with InvalidParams.

// decodeDidOpen decodes textDocument/didOpen params.
func decodeDidOpen(raw json.RawMessage, p *DidOpenParams) error {
	return paramsError(eachMember(raw, false, func(key string, v []byte) error {
		if !keyIs(key, "textDocument") {
			return nil
		}
		td := &p.TextDocument
		*td = TextDocumentItem{}
		return eachMember(v, false, func(key string, v []byte) error {
			if keyIs(key, "text") {
				return td.Text.UnmarshalJSON(v)
			}
			return unmarshalMember(key, v, td)
		})
	}))
}

// decodeDidChange decodes textDocument/didChange params.
func decodeDidChange(raw json.RawMessage, p *DidChangeParams) error {
	return paramsError(eachMember(raw, false, func(key string, v []byte) error {
		switch {
		case keyIs(key, "textDocument"):
			p.TextDocument = VersionedTextDocumentIdentifier{}
			return unmarshalParams(v, &p.TextDocument)
		case keyIs(key, "contentChanges"):
			p.ContentChanges = nil
			if string(v) != "null" {
				p.ContentChanges = []ContentChange{}
			}
			return eachElement(v, false, func(v []byte) error {
				var c ContentChange
				if string(v) != "null" {
					err := eachMember(v, false, func(key string, v []byte) error {
						if keyIs(key, "text") {
							return c.Text.UnmarshalJSON(v)
						}
						return unmarshalMember(key, v, &c)
					})
					if err != nil {
						return err
					}
				}
				p.ContentChanges = append(p.ContentChanges, c)
				return nil
			})
		}
		return nil
	}))
}

// unmarshalMember decodes one object member into v as if it were the only
// member of the object: {"key": value}. Keys are small and few; the text,
// the one big member, never comes here.
func unmarshalMember(key string, value []byte, v any) error {
	k, err := json.Marshal(key)
	if err != nil {
		return err
	}
	obj := make([]byte, 0, len(k)+len(value)+3)
	obj = append(append(append(append(obj, '{'), k...), ':'), value...)
	return unmarshalParams(append(obj, '}'), v)
}

// paramsError makes a decoding error an InvalidParams error, as
// unmarshalParams does.
func paramsError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*jsonrpc2.Error); ok {
		return err
	}
	return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", fmt.Sprint(err))
}
