package envfix

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// checker runs a language's own parser/compiler on one rewritten file.
type checker struct {
	bin      string
	optional bool // not packaged for Debian 12: never required, even in CI
	// run checks file (in its own temp dir); it returns the tool's output
	// and an error when the file does not compile/parse.
	run func(ctx context.Context, dir, file string) ([]byte, error)
}

func cmdIn(dir string, name string, args ...string) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		c := exec.CommandContext(ctx, name, args...)
		c.Dir = dir
		return c.CombinedOutput()
	}
}

var checkers = map[string]checker{
	"python": {bin: "python3", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "python3", "-m", "py_compile", file)(ctx)
	}},
	"javascript": {bin: "node", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "node", "--check", file)(ctx)
	}},
	// node 20 cannot strip types; Debian's tsc type-checks offline.
	"typescript": {bin: "tsc", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "tsc", "--noEmit", "--strict", "--target", "es2020", "--lib", "es2020", "--jsx", "preserve", file)(ctx)
	}},
	"go": {bin: "go", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.21\n"), 0o644); err != nil {
			return nil, err
		}
		out, err := cmdIn(dir, "gofmt", "-l", file)(ctx)
		if err != nil || len(out) > 0 {
			d, _ := cmdIn(dir, "gofmt", "-d", file)(ctx)
			return append(out, d...), errString("gofmt would reformat the file")
		}
		return cmdIn(dir, "go", "vet", ".")(ctx)
	}},
	"java": {bin: "javac", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "javac", "-d", filepath.Join(dir, "out"), file)(ctx)
	}},
	"kotlin": {bin: "kotlinc", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "kotlinc", file, "-d", filepath.Join(dir, "out"))(ctx)
	}},
	"csharp": {bin: "mcs", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "mcs", "-target:library", "-out:"+filepath.Join(dir, "app.dll"), file)(ctx)
	}},
	"ruby": {bin: "ruby", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "ruby", "-c", file)(ctx)
	}},
	"php": {bin: "php", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "php", "-l", file)(ctx)
	}},
	"rust": {bin: "rustc", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "rustc", "--edition", "2021", "--crate-type", "lib", "--emit=metadata", "-o", filepath.Join(dir, "lib.rmeta"), file)(ctx)
	}},
	"shellscript": {bin: "bash", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "bash", "-n", file)(ctx)
	}},
	"swift": {bin: "swiftc", optional: true, run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "swiftc", "-parse", file)(ctx)
	}},
	"dart": {bin: "dart", optional: true, run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "dart", "analyze", file)(ctx)
	}},
	"lua": {bin: "luac5.4", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "luac5.4", "-p", file)(ctx)
	}},
	"r": {bin: "Rscript", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "Rscript", "-e", "invisible(parse(file=commandArgs(TRUE)[1]))", file)(ctx)
	}},
	"elixir": {bin: "elixir", run: func(ctx context.Context, dir, file string) ([]byte, error) {
		return cmdIn(dir, "elixir", "-e", "Code.string_to_quoted!(File.read!(hd(System.argv())))", file)(ctx)
	}},
}

type errString string

func (e errString) Error() string { return string(e) }

// checkerCase is a realistic file with one key; after the fix, the
// language's own tool must accept it.
type checkerCase struct {
	name    string
	checker string
	file    string
	langID  string
	varName string
	src     string
}

var checkerCases = []checkerCase{
	{name: "python", checker: "python", file: "app.py", langID: "python", src: `"""Summarise text with OpenAI."""
from __future__ import annotations

import sys

from openai import OpenAI

client = OpenAI(api_key="{{KEY}}")


def main() -> None:
    print(client.models.list(), file=sys.stderr)
`},
	{name: "python f-string", checker: "python", file: "headers.py", langID: "python", src: `import requests

def headers(extra):
    return {"Authorization": f"Bearer {{KEY}}", **extra}
`},
	{name: "python partial", checker: "python", file: "partial.py", langID: "python", src: "HEADERS = {'Authorization': 'Bearer {{KEY}}'}\n"},
	{name: "javascript", checker: "javascript", file: "index.js", langID: "javascript", src: `import OpenAI from "openai";

const re = /"[^"]*"/g;
const openai = new OpenAI({ apiKey: "{{KEY}}" });
export default openai;
`},
	{name: "javascript template", checker: "javascript", file: "fetch.mjs", langID: "javascript", src: "export async function models() {\n  return fetch(\"https://api.openai.com/v1/models\", { headers: { Authorization: `Bearer {{KEY}}` } });\n}\n"},
	{name: "typescript", checker: "typescript", file: "client.ts", langID: "typescript", src: `declare const process: { env: Record<string, string | undefined> };
declare class OpenAI { constructor(opts: { apiKey?: string }) }

const apiKey = "{{KEY}}";
export const client = new OpenAI({ apiKey });
`},
	{name: "typescript concat", checker: "typescript", file: "auth.tsx", langID: "typescriptreact", src: `declare const process: { env: Record<string, string | undefined> };

export function authHeader(): string {
  return "Bearer {{KEY}}".trim();
}
`},
	{name: "tsx attribute", checker: "typescript", file: "Chat.tsx", langID: "typescriptreact", src: `declare const process: { env: Record<string, string | undefined> };
declare namespace JSX { interface Element {} interface IntrinsicElements { [name: string]: any } }
declare function Chat(props: { apiKey?: string; model: string }): JSX.Element;

export const app = <Chat model="gpt-4o" apiKey="{{KEY}}" />;
`},
	{name: "go", checker: "go", file: "main.go", langID: "go", src: `package main

import (
	"fmt"
	"net/http"
)

const apiKey = "{{KEY}}"

func main() {
	req, _ := http.NewRequest("GET", "https://api.openai.com/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	fmt.Println(req.URL)
}
`},
	{name: "go partial no imports", checker: "go", file: "main.go", langID: "go", src: `package main

func header() string { return "Bearer {{KEY}}" }

func main() { println(header()) }
`},
	{name: "java", checker: "java", file: "Client.java", langID: "java", src: `import java.net.http.HttpRequest;
import java.net.URI;

public class Client {
    private static final String API_KEY = "{{KEY}}";
    private static final char QUOTE = '"';

    public static HttpRequest request() {
        return HttpRequest.newBuilder(URI.create("https://api.openai.com/v1/models"))
            .header("Authorization", "Bearer " + API_KEY).build();
    }
}
`},
	{name: "java partial", checker: "java", file: "Auth.java", langID: "java", src: "public class Auth {\n    static String header() { return \"Bearer {{KEY}}\".trim(); }\n}\n"},
	{name: "kotlin", checker: "kotlin", file: "Client.kt", langID: "kotlin", src: `package app

const val API_KEY = "{{KEY}}"

fun header(): String = "Bearer $API_KEY"

fun main() {
    println(header().length)
}
`},
	{name: "kotlin template", checker: "kotlin", file: "Auth.kt", langID: "kotlin", src: "fun auth(): String = \"Bearer {{KEY}}\"\n"},
	{name: "csharp", checker: "csharp", file: "Client.cs", langID: "csharp", src: `namespace App
{
    public enum Environment { Dev, Prod }

    public static class Client
    {
        static readonly string ApiKey = "{{KEY}}";
        public static string Header() { return "Bearer " + ApiKey; }
    }
}
`},
	{name: "csharp interpolated", checker: "csharp", file: "Auth.cs", langID: "csharp", src: "public static class Auth\n{\n    public static string Header(int n) { return $\"Bearer {{KEY}} {n}\"; }\n}\n"},
	{name: "csharp verbatim partial", checker: "csharp", file: "Verb.cs", langID: "csharp", src: "public static class Verb\n{\n    public static string Header() { return @\"Bearer {{KEY}}\"; }\n}\n"},
	{name: "ruby", checker: "ruby", file: "client.rb", langID: "ruby", src: `require "openai"

CLIENT = OpenAI::Client.new(access_token: "{{KEY}}")

def models
  CLIENT.models.list
end
`},
	{name: "ruby heredoc", checker: "ruby", file: "curl.rb", langID: "ruby", src: "CMD = <<~SH\n  curl -H 'Authorization: Bearer {{KEY}}' https://api.openai.com/v1/models\nSH\nputs CMD\n"},
	{name: "php", checker: "php", file: "client.php", langID: "php", src: `<!doctype html>
<p>Don't leak keys</p>
<?php
$client = OpenAI::client('{{KEY}}');
echo "ok";
?>
`},
	{name: "php partial", checker: "php", file: "auth.php", langID: "php", src: "<?php\nfunction auth(): string { return \"Bearer {{KEY}}\"; }\n"},
	{name: "rust", checker: "rust", file: "lib.rs", langID: "rust", src: `pub struct Client { key: String }

fn auth(key: &str) -> String { format!("Bearer {}", key) }

pub fn client() -> Client {
    let api_key = "{{KEY}}";
    let _h = auth(api_key);
    Client { key: api_key.to_string() }
}

pub fn key_len(c: &Client) -> usize { c.key.len() }
`},
	{name: "rust raw partial", checker: "rust", file: "lib.rs", langID: "rust", src: "pub fn header() -> String {\n    let h = r#\"Bearer {{KEY}} {json}\"#;\n    h.to_string()\n}\n"},
	{name: "shell", checker: "shellscript", file: "call.sh", langID: "shellscript", src: `#!/usr/bin/env bash
set -euo pipefail
# list the models
KEY={{KEY}}
curl -s https://api.openai.com/v1/models -H "Authorization: Bearer $KEY"
`},
	{name: "shell single quotes", checker: "shellscript", file: "call2.sh", langID: "shellscript", src: "curl -s https://api.openai.com/v1/models -H 'Authorization: Bearer {{KEY}}' | jq .\n"},
	{name: "swift", checker: "swift", file: "Client.swift", langID: "swift", src: `struct Client {
    let apiKey = "{{KEY}}"
    func header() -> String { "Bearer " + apiKey }
}
`},
	{name: "dart", checker: "dart", file: "client.dart", langID: "dart", src: `const apiKey = '{{KEY}}';

void main() {
  print('Bearer $apiKey'.length);
}
`},
	{name: "lua", checker: "lua", file: "client.lua", langID: "lua", src: `local http = require("socket.http")
local key = "{{KEY}}"
-- [[ not a long string ]]
local function header() return "Bearer " .. key end
return { header = header }
`},
	{name: "lua partial", checker: "lua", file: "auth.lua", langID: "lua", src: "print 'Bearer {{KEY}}'\n"},
	{name: "r", checker: "r", file: "client.R", langID: "r", src: `library(httr)
api_key <- "{{KEY}}"
res <- GET("https://api.openai.com/v1/models", add_headers(Authorization = paste("Bearer", api_key)))
`},
	{name: "r partial", checker: "r", file: "auth.R", langID: "r", src: "h <- c(Authorization = 'Bearer {{KEY}}')\n"},
	{name: "elixir", checker: "elixir", file: "client.exs", langID: "elixir", src: `defmodule Client do
  @key "{{KEY}}"
  def header, do: "Bearer " <> @key
  def ok?, do: ?" == 34
end
`},
	{name: "elixir interpolation", checker: "elixir", file: "auth.exs", langID: "elixir", src: "IO.puts \"Bearer {{KEY}}\"\n"},
}

// requireChecker skips when the tool is missing, except under CI=true where
// a missing required tool fails the test: CI must really check.
func requireChecker(t *testing.T, c checker) {
	t.Helper()
	if _, err := exec.LookPath(c.bin); err != nil {
		if os.Getenv("CI") == "true" && !c.optional {
			t.Fatalf("%s not installed (CI=true requires it; see testdata/checkers.txt)", c.bin)
		}
		t.Skipf("%s not installed: %v", c.bin, err)
	}
}

func TestCheckers(t *testing.T) {
	for _, tc := range checkerCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := checkers[tc.checker]
			content, f := plant(t, tc.src, "openai", tc.varName)
			plan, err := MoveToEnv(Request{LanguageID: tc.langID, Path: tc.file, Content: content, Finding: f})
			if err != nil {
				t.Fatalf("MoveToEnv: %v", err)
			}
			out, err := Apply(content, plan.Source)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(out), testKey) {
				t.Fatalf("key still present:\n%s", out)
			}
			relexCheck(t, tc.langID, out, plan.VarName)
			requireChecker(t, c)
			dir := t.TempDir()
			file := filepath.Join(dir, tc.file)
			if err := os.WriteFile(file, out, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if msg, err := c.run(ctx, dir, file); err != nil {
				t.Fatalf("%s rejects the rewritten file: %v\n%s\n--- file:\n%s", c.bin, err, msg, out)
			}
		})
	}
}

// relexCheck is the check every language gets, and the only one for Swift
// and Dart (no Debian package): the rewritten file lexes with every literal
// terminated, and the lookup stands in code, not inside a literal's text.
func relexCheck(t *testing.T, langID string, out []byte, name string) {
	t.Helper()
	l := resolveLang(langID, "", out)
	if l == langGo || l == langShell || l == langNone {
		return // Go is checked by its own parser in rewriteGo and gofmt/vet; shell by bash -n
	}
	toks := lex(l, out)
	for _, tk := range toks {
		if !tk.terminated {
			t.Errorf("unterminated literal at %d: %q", tk.start, out[tk.start:min(len(out), tk.start+40)])
		}
	}
	// The lookup up to the name: os.environ[ , process.env. , getenv( …
	// (a Python f-string hole switches the inner quote).
	lk := lookup(l, name)
	lk = strings.TrimRight(lk[:strings.Index(lk, name)], `"'`)
	i := strings.Index(string(out), lk)
	if i < 0 {
		t.Fatalf("lookup %s not found in:\n%s", lk, out)
	}
	if tk, ok, inHole := enclosing(toks, i, i+len(lk)); ok && !inHole {
		t.Errorf("lookup sits inside the literal %q", out[tk.start:tk.end])
	}
}

func TestYAMLParses(t *testing.T) {
	cases := []struct {
		name, path, src, want string
	}{
		{"compose map", "docker-compose.yml", "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n      OPENAI_API_KEY: {{KEY}}\n      LOG: debug\n", "${OPENAI_API_KEY}"},
		{"compose list", "compose.yaml", "services:\n  api:\n    build: .\n    environment:\n      - OPENAI_API_KEY={{KEY}}\n", "OPENAI_API_KEY=${OPENAI_API_KEY}"},
		{"compose double quoted", "compose.yml", "services:\n  api:\n    image: x\n    environment:\n      AUTH: \"Bearer {{KEY}}\"\n", "Bearer ${OPENAI_API_KEY}"},
		{"workflow env", ".github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      OPENAI_API_KEY: {{KEY}}\n    steps:\n      - run: make test\n", "${{ secrets.OPENAI_API_KEY }}"},
		{"workflow run", ".github/workflows/ci.yml", "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - name: models\n        run: |\n          curl -s https://api.openai.com/v1/models \\\n            -H \"Authorization: Bearer {{KEY}}\"\n", "Bearer ${{ secrets.OPENAI_API_KEY }}"},
		{"workflow with", ".github/workflows/ci.yml", "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/llm@v1\n        with:\n          api-key: 'sk {{KEY}}'\n", "sk ${{ secrets.OPENAI_API_KEY }}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			content, f := plant(t, tc.src, "openai", "")
			plan, err := MoveToEnv(Request{LanguageID: "yaml", Path: "/w/" + tc.path, Content: content, Finding: f})
			if err != nil {
				t.Fatal(err)
			}
			out, err := Apply(content, plan.Source)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := yaml.Unmarshal(out, &doc); err != nil {
				t.Fatalf("rewritten YAML does not parse: %v\n%s", err, out)
			}
			if !containsScalar(doc, tc.want) {
				t.Errorf("no scalar containing %q in %v", tc.want, doc)
			}
			if strings.HasPrefix(tc.path, ".github") && (plan.Env != nil || plan.Note == "") {
				t.Errorf("workflow: Env = %+v, Note = %q; want no .env change and a note", plan.Env, plan.Note)
			}
		})
	}
}

func containsScalar(v any, want string) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, want)
	case map[string]any:
		for _, x := range v {
			if containsScalar(x, want) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if containsScalar(x, want) {
				return true
			}
		}
	}
	return false
}

// TestCheckersListed keeps testdata/checkers.txt (what CI installs) in step
// with the required checkers.
func TestCheckersListed(t *testing.T) {
	f, err := os.Open("testdata/checkers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 2 {
			t.Errorf("line %q: want \"binary package\"", sc.Text())
		}
		listed[fields[0]] = true
	}
	for name, c := range checkers {
		if !c.optional && c.bin != "go" && !listed[c.bin] {
			t.Errorf("checker %s (%s) is not in testdata/checkers.txt", name, c.bin)
		}
	}
}

// TestCheckersRejectBroken proves each checker can fail: a file with an
// unterminated string must be rejected, or TestCheckers proves nothing.
func TestCheckersRejectBroken(t *testing.T) {
	broken := map[string][2]string{
		"python":      {"b.py", "x = \"abc\n"},
		"javascript":  {"b.js", "const x = \"abc;\n"},
		"typescript":  {"b.ts", "const x: number = \"abc\";\n"},
		"go":          {"b.go", "package main\nvar x = \"abc\n"},
		"java":        {"B.java", "class B { String x = \"abc; }\n"},
		"kotlin":      {"B.kt", "val x = \"abc\n"},
		"csharp":      {"B.cs", "class B { string x = \"abc; }\n"},
		"ruby":        {"b.rb", "x = (\"abc\"\n"},
		"php":         {"b.php", "<?php\n$x = ('abc';\n"},
		"rust":        {"b.rs", "pub fn f() -> &'static str { \"abc }\n"},
		"shellscript": {"b.sh", "echo \"abc\n"},
		"lua":         {"b.lua", "local x = \"abc\n"},
		"r":           {"b.R", "x <- (\"abc\"\n"},
		"elixir":      {"b.exs", "x = (\"abc\"\n"},
	}
	for name, c := range checkers {
		if c.optional {
			continue
		}
		b, ok := broken[name]
		if !ok {
			t.Errorf("no broken sample for checker %s", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireChecker(t, c)
			dir := t.TempDir()
			file := filepath.Join(dir, b[0])
			if err := os.WriteFile(file, []byte(b[1]), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if out, err := c.run(ctx, dir, file); err == nil {
				t.Errorf("%s accepted a broken file:\n%s", c.bin, out)
			}
		})
	}
}
