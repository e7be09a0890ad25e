package envfix

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
)

var fuzzLangs = []struct{ id, path string }{
	{"python", "a.py"}, {"javascript", "a.js"}, {"typescriptreact", "a.tsx"}, {"go", "a.go"},
	{"java", "A.java"}, {"kotlin", "a.kt"}, {"csharp", "a.cs"}, {"ruby", "a.rb"}, {"php", "a.php"},
	{"rust", "a.rs"}, {"shellscript", "a.sh"}, {"swift", "a.swift"}, {"dart", "a.dart"},
	{"lua", "a.lua"}, {"r", "a.R"}, {"elixir", "a.exs"}, {"yaml", "docker-compose.yml"},
	{"yaml", ".github/workflows/ci.yml"}, {"plaintext", "a.txt"}, {"json", "nb.ipynb"}, {"terraform", "main.tf"},
}

// FuzzMoveToEnv plants a key at a random offset of a random document: the
// fix either refuses or returns edits inside the document, and the .env,
// .gitignore and .env.example it returns keep every old byte and read back
// the key under the chosen name.
func FuzzMoveToEnv(f *testing.F) {
	f.Add([]byte("k = \"\"\n"), uint(5), uint8(0), []byte("A=1\n"), "openaiKey")
	f.Add([]byte("package main\n\nconst k = \"\"\n"), uint(25), uint8(3), []byte("OPENAI_API_KEY=x\r\n"), "")
	f.Add([]byte("x = f'{a}' + \"Bearer \"\n"), uint(20), uint8(0), []byte("X=\"open"), "")
	f.Add([]byte("curl -H 'A: ' \"$U\"\n"), uint(12), uint8(10), []byte(nil), "KEY")
	f.Add([]byte("services:\n  a:\n    environment:\n      K: \n"), uint(40), uint8(16), []byte("# c"), "K")
	f.Add([]byte("h = <<~EOS\n  a #{b} \nEOS\n"), uint(20), uint8(7), []byte(""), "")
	f.Add([]byte("let s = r#\"a \"#;"), uint(13), uint8(9), []byte("A='x"), "")
	f.Add([]byte("{\"cells\": [{\"source\": [\"import os\\n\", \"k = \\\"\\\"\\n\"]}]}"), uint(41), uint8(19), []byte(nil), "k")
	f.Add([]byte("provider \"x\" {\n  api_key = \"\"\n}\n"), uint(29), uint8(20), []byte(nil), "api_key")
	f.Fuzz(func(t *testing.T, doc []byte, at uint, li uint8, env []byte, varName string) {
		if len(doc) > 1<<14 {
			return
		}
		pos := int(at % uint(len(doc)+1))
		content := append(append(append([]byte(nil), doc[:pos]...), testKey...), doc[pos:]...)
		lg := fuzzLangs[int(li)%len(fuzzLangs)]
		gi := []byte(".env*\n!.env\n")
		ex := []byte("PORT=")
		req := Request{LanguageID: lg.id, Path: lg.path, Content: content, Env: env, Gitignore: gi, EnvExample: ex,
			Finding: diagnostics.Finding{Start: pos, End: pos + len(testKey), Key: testKey, Provider: "openai", VarName: varName}}
		plan, err := MoveToEnv(req)
		if err != nil {
			return
		}
		for _, e := range plan.Source {
			if e.Start < 0 || e.End > len(content) || e.Start > e.End {
				t.Fatalf("source edit %d..%d out of bounds (len %d)", e.Start, e.End, len(content))
			}
		}
		out, err := Apply(content, plan.Source)
		if err != nil {
			t.Fatalf("overlapping source edits: %v", err)
		}
		if bytes.Count(out, []byte(testKey)) >= bytes.Count(content, []byte(testKey)) {
			t.Fatalf("the key was not removed")
		}
		for _, side := range []struct {
			name string
			old  []byte
			fc   *FileChange
		}{{".env", env, plan.Env}, {".gitignore", gi, plan.Gitignore}, {".env.example", ex, plan.EnvExample}} {
			if side.fc == nil {
				continue
			}
			if side.fc.Create != (side.old == nil) {
				t.Fatalf("%s: Create = %v for existing=%v", side.name, side.fc.Create, side.old != nil)
			}
			base := side.old
			got, err := Apply(base, side.fc.Edits)
			if err != nil {
				t.Fatalf("%s: %v", side.name, err)
			}
			if !bytes.HasPrefix(got, side.old) {
				t.Fatalf("%s: old content not kept", side.name)
			}
			if side.name == ".env.example" && strings.Contains(string(got), testKey) {
				t.Fatalf(".env.example holds the key")
			}
		}
		if lg.path == ".github/workflows/ci.yml" {
			if plan.Env != nil {
				t.Fatalf("workflow fix writes .env")
			}
			return
		}
		final := env
		if plan.Env != nil {
			final, _ = Apply(env, plan.Env.Edits)
		}
		found := false
		for _, v := range envscan.Parse(".env", final).Vars {
			if v.Name == plan.VarName && v.Value == testKey {
				found = true
			}
		}
		if !found {
			t.Fatalf(".env does not give %s the key", plan.VarName)
		}
	})
}
