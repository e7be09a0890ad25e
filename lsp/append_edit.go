package lsp

import (
	"bytes"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/lsp/envfix"
)

// appendRange places an edit that adds lines at the end of a file (the
// .env, .gitignore and .env.example of a fix, and new files) where every
// client tested applies it exactly. The natural position, the end of the
// text ({line count, 0} after a final newline), is applied differently:
// Neovim keeps a buffer without the final newline, so 0.10 turns an insert
// there into a blank line at the end, and for a new (empty) file every
// Neovim leaves the buffer's one empty line after the text, which :write
// saves as "\n\n". So:
//
//   - text ending in a newline: the insert goes before that newline, at the
//     end of the last line, with the newline moved in front of it
//     ("X\n" + "Y\n" at {1,0} becomes "\nY" at {0,1}): the same document
//     for any client, and a plain in-line insert for Neovim;
//   - an empty or new file, or one whose last line has no newline: the
//     edit's range runs to {last line + 1, 0}, one line past the end, which
//     LSP clients clamp to the end (VS Code, Helix, eglot, lsptest) and
//     which Neovim (0.7 to 0.12) takes as "this edit ends the file" and so
//     drops the buffer's trailing empty line itself.
//
// ok is false for any other edit, which keeps its plain range.
func (s *Server) appendRange(li *diagnostics.LineIndex, content []byte, e envfix.Edit, others int) (TextEdit, bool) {
	n := len(content)
	if e.Start != n || e.End != n || !strings.HasSuffix(e.NewText, "\n") {
		return TextEdit{}, false
	}
	if bytes.HasSuffix(content, []byte("\n")) {
		nl := "\n"
		if bytes.HasSuffix(content, []byte("\r\n")) {
			nl = "\r\n"
		}
		// Only when the moved newline is the one the text ends with, and no
		// other edit of the file touches the last line's end.
		if !strings.HasSuffix(e.NewText, nl) || (nl == "\n" && strings.HasSuffix(e.NewText, "\r\n")) || others > 0 {
			return TextEdit{}, false
		}
		at := n - len(nl)
		body := strings.TrimSuffix(e.NewText, nl)
		return TextEdit{Range: s.rangeOf(li, at, at), NewText: nl + body}, true
	}
	if others > 0 {
		return TextEdit{}, false
	}
	start := s.positionOf(li, n)
	return TextEdit{Range: Range{Start: start, End: Position{Line: start.Line + 1}}, NewText: e.NewText}, true
}
