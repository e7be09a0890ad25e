package lsp_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// neovimWrite models how Neovim applies LSP text edits to a file's buffer
// (vim.lsp.util.apply_text_edits) and what :write then saves, for the
// cases the move fix produces: a buffer holds the lines without the final
// newline ('eol' remembers it; 'fixeol' is on), a new or empty file is one
// empty line, an edit past the last line either appends lines (0.10.4: and
// nothing else; 0.12: and marks the edit as ending the file) or is clamped
// and marks it, and a marked edit drops a trailing empty line. ASCII only:
// columns are bytes. The rules were read from runtime/lua/vim/lsp/util.lua
// of Debian's 0.7.2, 0.10.4 and 0.12.4; scripts/e2e-nvim checks the same
// files in those real editors.
func neovimWrite(t *testing.T, content string, exists bool, edits []lsp.TextEdit, nvim012 bool) string {
	t.Helper()
	nl := "\n"
	if strings.Contains(content, "\r\n") {
		nl = "\r\n" // fileformat=dos
	}
	lines := []string{""}
	eol := true
	if exists && content != "" {
		eol = strings.HasSuffix(content, "\n")
		lines = strings.Split(strings.TrimSuffix(strings.ReplaceAll(content, "\r\n", "\n"), "\n"), "\n")
	}
	if len(edits) != 1 {
		t.Fatalf("model handles one edit per file, have %d", len(edits))
	}
	_ = eol // 'fixeol' is on, so the final newline is written either way
	e := edits[0]
	text := strings.Split(strings.ReplaceAll(e.NewText, "\r\n", "\n"), "\n")
	hasEOLEdit := false
	max := len(lines)
	sr, sc, er, ec := int(e.Range.Start.Line), int(e.Range.Start.Character), int(e.Range.End.Line), int(e.Range.End.Character)
	if max <= sr {
		lines = append(lines, text...)
		hasEOLEdit = nvim012
	} else {
		last := len(lines[min(er, max-1)])
		if max <= er {
			er, ec, hasEOLEdit = max-1, last, true
		}
		ec = min(ec, last)
		sc = min(sc, len(lines[sr]))
		head, tail := lines[sr][:sc], lines[er][ec:]
		repl := append([]string{}, text...)
		repl[0] = head + repl[0]
		repl[len(repl)-1] += tail
		lines = append(append(append([]string{}, lines[:sr]...), repl...), lines[er+1:]...)
	}
	if hasEOLEdit && len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, nl) + nl
}

// TestAppendEditsAreExactInNeovim: the side files of the move fix (.env,
// .gitignore, .env.example) come out exactly as the LSP edit means, in a
// client that follows the protocol to the letter (lsptest) and in
// Neovim's way of applying edits, for new files, empty ones, LF, CRLF and
// no final newline. Before, Neovim 0.10.4 left a blank line after
// appending to a file, and every Neovim after filling a new one.
func TestAppendEditsAreExactInNeovim(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       *string // nil: no .env
		wantEnv   string
		gitignore *string
		wantGI    string
	}{
		{name: "new files", wantEnv: "OPENAI_API_KEY={{key}}\n", wantGI: ".env\n"},
		{name: "empty files", env: ptr(""), wantEnv: "OPENAI_API_KEY={{key}}\n", gitignore: ptr(""), wantGI: ".env\n"},
		{name: "LF", env: ptr("A=1\n"), wantEnv: "A=1\nOPENAI_API_KEY={{key}}\n", gitignore: ptr("node_modules/\n"), wantGI: "node_modules/\n.env\n"},
		{name: "blank last line", env: ptr("A=1\n\n"), wantEnv: "A=1\n\nOPENAI_API_KEY={{key}}\n", gitignore: ptr("dist\n\n"), wantGI: "dist\n\n.env\n"},
		{name: "CRLF", env: ptr("A=1\r\nB=2\r\n"), wantEnv: "A=1\r\nB=2\r\nOPENAI_API_KEY={{key}}\r\n", gitignore: ptr("dist\r\n"), wantGI: "dist\r\n.env\r\n"},
		{name: "no final newline", env: ptr("A=1"), wantEnv: "A=1\nOPENAI_API_KEY={{key}}\n", gitignore: ptr("dist"), wantGI: "dist\n.env\n"},
	} {
		for _, caps := range []string{"documentChanges", "changes"} {
			t.Run(tc.name+"/"+caps, func(t *testing.T) {
				c := ModernCapabilities()
				if caps == "changes" {
					c = map[string]any{"textDocument": map[string]any{"codeAction": map[string]any{}}}
				}
				env := New(t, pyApp, WithCapabilities(c))
				before := map[string]*string{".env": tc.env, ".gitignore": tc.gitignore}
				for name, v := range before {
					if v != nil {
						env.WriteFile(name, *v)
					}
				}
				env.Initialize()
				env.Open("app.py")
				env.Await(Diagnostics("app.py", Code("hardcoded-key")))
				a := env.Action(env.CodeActions("app.py", env.Diagnostics("app.py")[0].Range), lsp.MoveTitlePrefix)
				edits := map[string][]lsp.TextEdit{}
				for uri, es := range a.Edit.Changes {
					edits[filepath.Base(uri)] = es
				}
				for _, dc := range a.Edit.DocumentChanges {
					if dc.TextDocument != nil {
						edits[filepath.Base(dc.TextDocument.URI)] = dc.Edits
					}
				}
				want := map[string]string{
					".env":         strings.ReplaceAll(tc.wantEnv, "{{key}}", Key("openai")),
					".gitignore":   tc.wantGI,
					".env.example": "OPENAI_API_KEY=\n",
				}
				for name, w := range want {
					es, ok := edits[name]
					if !ok {
						t.Fatalf("no edit for %s in %+v", name, a.Edit)
					}
					old := ""
					if v := before[name]; v != nil {
						old = *v
					}
					got, err := ApplyTextEdits(old, es)
					if err != nil || got != w {
						t.Errorf("%s as the protocol applies it: %q (%v), want %q", name, got, err, w)
					}
					exists := before[name] != nil
					for _, v012 := range []bool{false, true} {
						if got := neovimWrite(t, old, exists, es, v012); got != w {
							t.Errorf("%s as Neovim %s writes it: %q, want %q (edit %+v)", name, map[bool]string{false: "0.10", true: "0.12"}[v012], got, w, es)
						}
					}
				}
				// And the real apply of the whole fix, for the files on disk.
				env.ApplyEdit(a.Edit)
				for name, w := range want {
					if got := env.ReadFile(name); got != w {
						t.Errorf("%s on disk %q, want %q", name, got, w)
					}
				}
			})
		}
	}
}

func ptr(s string) *string { return &s }
