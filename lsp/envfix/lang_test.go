package envfix

import (
	"strings"
	"testing"
)

func TestPython(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "no imports", langID: "python", in: "client = OpenAI(api_key=\"{{KEY}}\")\n",
			want: "import os\n\nclient = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n"},
		{name: "existing imports", langID: "python", in: "import json\nfrom openai import OpenAI\n\nKEY = '{{KEY}}'\n",
			want: "import os\nimport json\nfrom openai import OpenAI\n\nKEY = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "already imported in a list", langID: "python", in: "import sys, os\nk = \"{{KEY}}\"\n",
			want: "import sys, os\nk = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "import os.path binds os", langID: "python", in: "import os.path\nk = \"{{KEY}}\"\n",
			want: "import os.path\nk = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "import os as alias does not count", langID: "python", in: "import os as o\nk = \"{{KEY}}\"\n",
			want: "import os\nimport os as o\nk = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "after docstring and future", langID: "python",
			in:   "#!/usr/bin/env python3\n\"\"\"Talks to OpenAI.\n\nLong.\n\"\"\"\nfrom __future__ import annotations\n\nopenai_api_key = \"{{KEY}}\"\n",
			want: "#!/usr/bin/env python3\n\"\"\"Talks to OpenAI.\n\nLong.\n\"\"\"\nfrom __future__ import annotations\n\nimport os\n\nopenai_api_key = os.environ[\"OPENAI_API_KEY\"]\n", varName: "openai_api_key"},
		{name: "docstring then imports", langID: "python", in: "'''Doc.'''\n\nimport sys\n\nx = \"{{KEY}}\"\n",
			want: "'''Doc.'''\n\nimport os\nimport sys\n\nx = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "leading comments", langID: "python", in: "# -*- coding: utf-8 -*-\nx = \"{{KEY}}\"\n",
			want: "# -*- coding: utf-8 -*-\nimport os\n\nx = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "camelCase var name", langID: "python", in: "import os\nopenaiApiKey = \"{{KEY}}\"\n", varName: "openaiApiKey",
			want: "import os\nopenaiApiKey = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "own var name", langID: "python", in: "import os\nMY_SERVICE_KEY = \"{{KEY}}\"\n", varName: "MY_SERVICE_KEY",
			want: "import os\nMY_SERVICE_KEY = os.environ[\"MY_SERVICE_KEY\"]\n"},
		{name: "another provider's variable is not reused", langID: "python", in: "import os\nANTHROPIC_API_KEY = \"{{KEY}}\"\n", varName: "ANTHROPIC_API_KEY",
			want: "import os\nANTHROPIC_API_KEY = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "partial concatenation", langID: "python", in: "import os\nh = {\"Authorization\": \"Bearer {{KEY}}\"}\n",
			want: "import os\nh = {\"Authorization\": \"Bearer \" + os.environ[\"OPENAI_API_KEY\"]}\n"},
		{name: "partial with suffix needs parens", langID: "python", in: "import os\nh = \"Bearer {{KEY}}!\".strip()\n",
			want: "import os\nh = (\"Bearer \" + os.environ[\"OPENAI_API_KEY\"] + \"!\").strip()\n"},
		{name: "f-string double quotes", langID: "python", in: "import os\nh = f\"Bearer {{KEY}} {x}\"\n",
			want: "import os\nh = f\"Bearer {os.environ['OPENAI_API_KEY']} {x}\"\n"},
		{name: "f-string single quotes", langID: "python", in: "import os\nh = f'Bearer {{KEY}}'\n",
			want: "import os\nh = f'Bearer {os.environ[\"OPENAI_API_KEY\"]}'\n"},
		{name: "triple-quoted whole", langID: "python", in: "import os\nk = \"\"\"{{KEY}}\"\"\"\n",
			want: "import os\nk = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "triple-quoted partial next to a quote becomes an f-string", langID: "python", in: "import os\nc = \"\"\"-H \"Bearer {{KEY}}\" {x}\"\"\"\n",
			want: "import os\nc = f\"\"\"-H \"Bearer {os.environ['OPENAI_API_KEY']}\" {{x}}\"\"\"\n"},
		{name: "raw string whole", langID: "python", in: "import os\nk = r'{{KEY}}'\n",
			want: "import os\nk = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "bytes whole", langID: "python", in: "import os\nk = b\"{{KEY}}\"\n",
			want: "import os\nk = os.environ[\"OPENAI_API_KEY\"].encode()\n"},
		{name: "implicit concatenation refused", langID: "python", in: "k = (\"Bearer \" \"{{KEY}}\")\n", wantErr: ErrUnsafe},
		{name: "in a comment the key goes to .env", langID: "python", in: "# old key: {{KEY}}\n", want: "# old key: OPENAI_API_KEY (in .env)\n"},
		{name: "hash in a string is no comment", langID: "python", in: "k = \"#{{KEY}}\"\n", want: "import os\n\nk = \"#\" + os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "in an f-string hole refused", langID: "python", in: "k = f\"{d['{{KEY}}']}\"\n", wantErr: ErrUnsafe},
		{name: "match case refused", langID: "python", in: "match k:\n    case \"{{KEY}}\":\n        pass\n", wantErr: ErrUnsafe},
		{name: "by extension", path: "/w/app.py", in: "k = \"{{KEY}}\"\n", want: "import os\n\nk = os.environ[\"OPENAI_API_KEY\"]\n"},
		{name: "CRLF file", langID: "python", in: "import json\r\nk = \"{{KEY}}\"\r\n", want: "import os\r\nimport json\r\nk = os.environ[\"OPENAI_API_KEY\"]\r\n"},
	})
}

func TestJavaScript(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "whole", langID: "javascript", in: "const openai = new OpenAI({ apiKey: \"{{KEY}}\" });\n",
			want: "const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\") });\n\nfunction missingEnv(name) {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "single quotes tsx", langID: "typescriptreact", in: "const k: string = '{{KEY}}';\n",
			want: "const k: string = process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\");\n\nfunction missingEnv(name: string): never {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "template literal", langID: "javascript", in: "const h = `Bearer {{KEY}}`;\n",
			want: "const h = `Bearer ${process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\")}`;\n\nfunction missingEnv(name) {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "concatenation", langID: "typescript", in: "fetch(u, { headers: { Authorization: \"Bearer {{KEY}}\" } });\n",
			want: "fetch(u, { headers: { Authorization: \"Bearer \" + (process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\")) } });\n\nfunction missingEnv(name: string): never {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "regex literal with a quote before", langID: "javascript", in: "const re = /\"/g;\nconst k = \"{{KEY}}\";\n",
			want: "const re = /\"/g;\nconst k = process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\");\n\nfunction missingEnv(name) {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "in a template hole refused", langID: "javascript", in: "const h = `${f(\"x\") + 1} {{KEY}}`;\n",
			want: "const h = `${f(\"x\") + 1} ${process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\")}`;\n\nfunction missingEnv(name) {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "mjs by extension", path: "a/b.mjs", in: "export const k = '{{KEY}}';\n", want: "export const k = process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\");\n\nfunction missingEnv(name) {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "jsx attribute", langID: "javascriptreact", in: "const c = <Chat model=\"gpt\" apiKey=\"{{KEY}}\" />;\n",
			want: "const c = <Chat model=\"gpt\" apiKey={process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\")} />;\n\nfunction missingEnv(name) {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "jsx attribute partial", langID: "typescriptreact", in: "const c = <Chat auth='Bearer {{KEY}}' />;\n",
			want: "const c = <Chat auth={'Bearer ' + (process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\"))} />;\n\nfunction missingEnv(name: string): never {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "case label is any expression", langID: "javascript", in: "switch (k) {\n  case \"{{KEY}}\": ok();\n}\n",
			want: "switch (k) {\n  case (process.env.OPENAI_API_KEY ?? missingEnv(\"OPENAI_API_KEY\")): ok();\n}\n\nfunction missingEnv(name) {\n  throw new Error(name + \" is not set (see .env)\");\n}\n"},
		{name: "in a block comment the key goes to .env", langID: "javascript", in: "/* '{{KEY}}' */\n", want: "/* 'OPENAI_API_KEY (in .env)' */\n"},
	})
}

func TestGo(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "no imports", langID: "go", in: "package main\n\nvar key = \"{{KEY}}\"\n",
			want: "package main\n\nimport \"os\"\n\nvar key = os.Getenv(\"OPENAI_API_KEY\")\n"},
		{name: "import block sorted", langID: "go", in: "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n\n\t\"github.com/x/y\"\n)\n\nfunc main() { fmt.Println(strings.ToUpper(\"{{KEY}}\"), y.Z) }\n",
			want: "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n\n\t\"github.com/x/y\"\n)\n\nfunc main() { fmt.Println(strings.ToUpper(os.Getenv(\"OPENAI_API_KEY\")), y.Z) }\n"},
		{name: "third-party block with doc comment", langID: "go", in: "package main\n\nimport (\n\t\"fmt\"\n\t// yaml for config\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = yaml.Marshal\nvar k = fmt.Sprint(\"{{KEY}}\")\n",
			want: "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t// yaml for config\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = yaml.Marshal\nvar k = fmt.Sprint(os.Getenv(\"OPENAI_API_KEY\"))\n"},
		{name: "import block append", langID: "go", in: "package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc main() { fmt.Println(\"{{KEY}}\") }\n",
			want: "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { fmt.Println(os.Getenv(\"OPENAI_API_KEY\")) }\n"},
		{name: "single import", langID: "go", in: "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"{{KEY}}\") }\n",
			want: "package main\n\nimport \"fmt\"\nimport \"os\"\n\nfunc main() { fmt.Println(os.Getenv(\"OPENAI_API_KEY\")) }\n"},
		{name: "already imported", langID: "go", in: "package main\n\nimport \"os\"\n\nvar k = \"{{KEY}}\"\nvar _ = os.Args\n",
			want: "package main\n\nimport \"os\"\n\nvar k = os.Getenv(\"OPENAI_API_KEY\")\nvar _ = os.Args\n"},
		{name: "renamed os", langID: "go", in: "package main\n\nimport goos \"os\"\n\nvar k = \"{{KEY}}\"\nvar _ = goos.Args\n",
			want: "package main\n\nimport goos \"os\"\n\nvar k = goos.Getenv(\"OPENAI_API_KEY\")\nvar _ = goos.Args\n"},
		{name: "no blank line after package", langID: "go", in: "package p // pkg\nvar x = map[string]int{\"{{KEY}}\": 1}\n",
			want: "package p // pkg\n\nimport \"os\"\n\nvar x = map[string]int{os.Getenv(\"OPENAI_API_KEY\"): 1}\n"},
		{name: "single import then code", langID: "go", in: "package p\n\nimport \"fmt\" // print\nvar x = fmt.Sprint(\"{{KEY}}\")\n",
			want: "package p\n\nimport \"fmt\" // print\nimport \"os\"\n\nvar x = fmt.Sprint(os.Getenv(\"OPENAI_API_KEY\"))\n"},
		{name: "const becomes var", langID: "go", in: "package main\n\nconst apiKey = \"{{KEY}}\"\n",
			want: "package main\n\nimport \"os\"\n\nvar apiKey = os.Getenv(\"OPENAI_API_KEY\")\n"},
		{name: "const block refused", langID: "go", in: "package main\n\nconst (\n\tapiKey = \"{{KEY}}\"\n)\n", wantErr: ErrUnsafe},
		{name: "partial raw string", langID: "go", in: "package main\n\nimport \"os\"\n\nvar h = `Bearer {{KEY}}`\n",
			want: "package main\n\nimport \"os\"\n\nvar h = `Bearer ` + os.Getenv(\"OPENAI_API_KEY\")\n"},
		{name: "partial in a method call", langID: "go", in: "package main\n\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\nvar h = strings.ToLower(\"Bearer {{KEY}}\" + \"x\")\n",
			want: "package main\n\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\nvar h = strings.ToLower((\"Bearer \" + os.Getenv(\"OPENAI_API_KEY\")) + \"x\")\n"},
		{name: "syntax error refused", langID: "go", in: "package main\nvar k = \"{{KEY}}\" +\n", wantErr: ErrUnsafe},
		{name: "in a comment the key goes to .env", langID: "go", in: "package main\n\n// {{KEY}}\n", want: "package main\n\n// OPENAI_API_KEY (in .env)\n"},
	})
}

func TestJVMAndDotNet(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "java", langID: "java", in: "class A {\n  static final String KEY = \"{{KEY}}\";\n}\n",
			want: "class A {\n  static final String KEY = java.util.Objects.requireNonNull(System.getenv(\"OPENAI_API_KEY\"), \"OPENAI_API_KEY is not set (see .env)\");\n}\n"},
		{name: "java partial", langID: "java", in: "class A { String h = \"Bearer {{KEY}}\"; }\n",
			want: "class A { String h = \"Bearer \" + java.util.Objects.requireNonNull(System.getenv(\"OPENAI_API_KEY\"), \"OPENAI_API_KEY is not set (see .env)\"); }\n"},
		{name: "java char with quote", langID: "java", in: "class A { char q = '\"'; String k = \"{{KEY}}\"; }\n",
			want: "class A { char q = '\"'; String k = java.util.Objects.requireNonNull(System.getenv(\"OPENAI_API_KEY\"), \"OPENAI_API_KEY is not set (see .env)\"); }\n"},
		{name: "java annotation refused", langID: "java", in: "class A { @Key(\"{{KEY}}\") int x; }\n", wantErr: ErrUnsafe},
		{name: "kotlin const val", langID: "kotlin", in: "const val API_KEY = \"{{KEY}}\"\n", varName: "API_KEY",
			want: "val API_KEY = System.getenv(\"OPENAI_API_KEY\") ?: error(\"OPENAI_API_KEY is not set (see .env)\")\n"},
		{name: "kotlin template", langID: "kotlin", in: "val h = \"Bearer {{KEY}}\"\n",
			want: "val h = \"Bearer ${System.getenv(\"OPENAI_API_KEY\") ?: error(\"OPENAI_API_KEY is not set (see .env)\")}\"\n"},
		{name: "csharp", langID: "csharp", in: "var client = new OpenAIClient(\"{{KEY}}\");\n",
			want: "var client = new OpenAIClient(System.Environment.GetEnvironmentVariable(\"OPENAI_API_KEY\") ?? throw new System.InvalidOperationException(\"OPENAI_API_KEY is not set (see .env)\"));\n"},
		{name: "csharp verbatim partial", langID: "csharp", in: "var h = @\"Bearer {{KEY}}\";\n",
			want: "var h = @\"Bearer \" + (System.Environment.GetEnvironmentVariable(\"OPENAI_API_KEY\") ?? throw new System.InvalidOperationException(\"OPENAI_API_KEY is not set (see .env)\"));\n"},
		{name: "csharp interpolated", langID: "csharp", in: "var h = $\"Bearer {{KEY}} {x}\";\n",
			want: "var h = $\"Bearer {(System.Environment.GetEnvironmentVariable(\"OPENAI_API_KEY\") ?? throw new System.InvalidOperationException(\"OPENAI_API_KEY is not set (see .env)\"))} {x}\";\n"},
		{name: "csharp const refused", langID: "csharp", in: "const string Key = \"{{KEY}}\";\n", wantErr: ErrUnsafe},
	})
}

func TestScriptingLanguages(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "ruby", langID: "ruby", in: "client = OpenAI::Client.new(access_token: \"{{KEY}}\")\n",
			want: "client = OpenAI::Client.new(access_token: ENV.fetch(\"OPENAI_API_KEY\"))\n"},
		{name: "ruby interpolation", langID: "ruby", in: "h = \"Bearer {{KEY}}\"\n", want: "h = \"Bearer #{ENV.fetch(\"OPENAI_API_KEY\")}\"\n"},
		{name: "ruby single quoted partial", langID: "ruby", in: "h = 'Bearer {{KEY}}'\n", want: "h = 'Bearer ' + ENV.fetch(\"OPENAI_API_KEY\")\n"},
		{name: "ruby heredoc", langID: "ruby", in: "h = <<~EOS\n  Bearer {{KEY}}\nEOS\n", want: "h = <<~EOS\n  Bearer #{ENV.fetch(\"OPENAI_API_KEY\")}\nEOS\n"},
		{name: "ruby literal heredoc refused", langID: "ruby", in: "h = <<~'EOS'\n  Bearer {{KEY}}\nEOS\n", wantErr: ErrUnsafe},
		{name: "php", langID: "php", in: "<html>don't</html>\n<?php\n$client = OpenAI::client('{{KEY}}');\n",
			want: "<html>don't</html>\n<?php\n$client = OpenAI::client((getenv('OPENAI_API_KEY') ?: throw new \\RuntimeException('OPENAI_API_KEY is not set (see .env)')));\n"},
		{name: "php partial", langID: "php", in: "<?php\n$h = \"Bearer {{KEY}}\";\n", want: "<?php\n$h = \"Bearer \" . (getenv('OPENAI_API_KEY') ?: throw new \\RuntimeException('OPENAI_API_KEY is not set (see .env)'));\n"},
		{name: "lua", langID: "lua", in: "local key = \"{{KEY}}\"\n", want: "local key = (os.getenv(\"OPENAI_API_KEY\") or error(\"OPENAI_API_KEY is not set (see .env)\"))\n"},
		{name: "lua call without parens", langID: "lua", in: "setkey \"{{KEY}}\"\n", want: "setkey (os.getenv(\"OPENAI_API_KEY\") or error(\"OPENAI_API_KEY is not set (see .env)\"))\n"},
		{name: "lua partial", langID: "lua", in: "local h = 'Bearer {{KEY}}'\n", want: "local h = 'Bearer ' .. (os.getenv(\"OPENAI_API_KEY\") or error(\"OPENAI_API_KEY is not set (see .env)\"))\n"},
		{name: "lua long string", langID: "lua", in: "local k = [[{{KEY}}]]\n", want: "local k = (os.getenv(\"OPENAI_API_KEY\") or error(\"OPENAI_API_KEY is not set (see .env)\"))\n"},
		{name: "r", langID: "r", in: "Sys.setenv(X = 1)\nkey <- \"{{KEY}}\"\n", want: rHelperText + "\nSys.setenv(X = 1)\nkey <- must_getenv(\"OPENAI_API_KEY\")\n"},
		{name: "r partial", langID: "r", in: "h <- 'Bearer {{KEY}}'\n", want: rHelperText + "\nh <- paste0('Bearer ', must_getenv(\"OPENAI_API_KEY\"))\n"},
		{name: "elixir", langID: "elixir", in: "config :app, key: \"{{KEY}}\"\n", want: "config :app, key: System.fetch_env!(\"OPENAI_API_KEY\")\n"},
		{name: "elixir interpolation", langID: "elixir", in: "h = \"Bearer {{KEY}}\"\n", want: "h = \"Bearer #{System.fetch_env!(\"OPENAI_API_KEY\")}\"\n"},
		{name: "elixir charlist refused", langID: "elixir", in: "h = '{{KEY}}'\n", wantErr: ErrUnsafe},
	})
}

// rHelperText is the helper R's lookup calls, as the fix adds it.
const rHelperText = `# must_getenv reads a variable the program cannot run without: it stops
# with a clear message instead of sending an empty key.
must_getenv <- function(name) {
  value <- Sys.getenv(name)
  if (!nzchar(value)) stop(name, " is not set (see .env)", call. = FALSE)
  value
}
`

// TestR: every place an R key sits gets must_getenv("X"), and the helper
// is defined once, before the file's first code (R defines functions as it
// runs the file), after its setup lines.
func TestR(t *testing.T) {
	h := rHelperText
	runSourceCases(t, []sourceCase{
		{name: "call argument after library", langID: "r",
			in:   "library(ellmer)\nchat <- chat_openai(model = \"gpt-4o\", api_key = \"{{KEY}}\")\n",
			want: "library(ellmer)\n\n" + h + "\nchat <- chat_openai(model = \"gpt-4o\", api_key = must_getenv(\"OPENAI_API_KEY\"))\n"},
		{name: "arrow assignment", langID: "r", in: "key <- \"{{KEY}}\"\n", want: h + "\nkey <- must_getenv(\"OPENAI_API_KEY\")\n"},
		{name: "equals assignment", langID: "r", in: "key = \"{{KEY}}\"\n", want: h + "\nkey = must_getenv(\"OPENAI_API_KEY\")\n"},
		// A call binds tighter than ->: the whole value is assigned.
		{name: "right assignment", langID: "r", in: "\"{{KEY}}\" -> key\n", want: h + "\nmust_getenv(\"OPENAI_API_KEY\") -> key\n"},
		{name: "list element", langID: "r", in: "cfg <- list(api_key = '{{KEY}}', model = 'x')\n",
			want: h + "\ncfg <- list(api_key = must_getenv(\"OPENAI_API_KEY\"), model = 'x')\n"},
		{name: "Sys.setenv", langID: "r", in: "Sys.setenv(OPENAI_API_KEY = \"{{KEY}}\")\n",
			want: h + "\nSys.setenv(OPENAI_API_KEY = must_getenv(\"OPENAI_API_KEY\"))\n"},
		// Defaults are evaluated when first used: the helper is defined by then.
		{name: "function default", langID: "r", in: "ask <- function(q, api_key = \"{{KEY}}\") {\n  api_key\n}\n",
			want: h + "\nask <- function(q, api_key = must_getenv(\"OPENAI_API_KEY\")) {\n  api_key\n}\n"},
		{name: "raw string", langID: "r", in: "key <- r\"({{KEY}})\"\n", want: h + "\nkey <- must_getenv(\"OPENAI_API_KEY\")\n"},
		{name: "shebang, header, setup lines and a roxygen block", langID: "r",
			in: "#!/usr/bin/env Rscript\n# Summaries\n\nsuppressPackageStartupMessages(library(httr2))\nsource(\"utils.R\")\n\n#' The client\n#' @export\n" +
				"client <- function() request(\"https://api.example\") |> req_auth_bearer_token(\"{{KEY}}\")\n",
			want: "#!/usr/bin/env Rscript\n# Summaries\n\nsuppressPackageStartupMessages(library(httr2))\nsource(\"utils.R\")\n\n" + h + "\n#' The client\n#' @export\n" +
				"client <- function() request(\"https://api.example\") |> req_auth_bearer_token(must_getenv(\"OPENAI_API_KEY\"))\n"},
		{name: "shebang only", langID: "r", in: "#!/usr/bin/env Rscript\nkey <- \"{{KEY}}\"\n",
			want: "#!/usr/bin/env Rscript\n\n" + h + "\nkey <- must_getenv(\"OPENAI_API_KEY\")\n"},
		// A multi-line library() call is not a setup line: the helper
		// must not land inside it.
		{name: "multi-line setup call", langID: "r", in: "library(ellmer,\n  quietly = TRUE)\nkey <- \"{{KEY}}\"\n",
			want: h + "\nlibrary(ellmer,\n  quietly = TRUE)\nkey <- must_getenv(\"OPENAI_API_KEY\")\n"},
		{name: "key in a setup line", langID: "r", in: "# fetch\nsource(\"https://example.invalid/{{KEY}}/x.R\")\n",
			want: h + "\n# fetch\nsource(paste0(\"https://example.invalid/\", must_getenv(\"OPENAI_API_KEY\"), \"/x.R\"))\n"},
		// A setup-looking line that opens a multi-line string.
		{name: "string opened in a setup line", langID: "r", in: "source(\"a)\nb\")\nkey <- \"{{KEY}}\"\n",
			want: h + "\nsource(\"a)\nb\")\nkey <- must_getenv(\"OPENAI_API_KEY\")\n"},
		{name: "CRLF", langID: "r", in: "library(x)\r\nkey <- \"{{KEY}}\"\r\n",
			want: "library(x)\r\n\r\n" + strings.ReplaceAll(h, "\n", "\r\n") + "\r\nkey <- must_getenv(\"OPENAI_API_KEY\")\r\n"},
		// A second fix in the file calls the helper the first one added.
		{name: "helper already there", langID: "r", in: "library(x)\n\n" + h + "\nk1 <- must_getenv(\"GROQ_API_KEY\")\nk2 <- \"{{KEY}}\"\n",
			want: "library(x)\n\n" + h + "\nk1 <- must_getenv(\"GROQ_API_KEY\")\nk2 <- must_getenv(\"OPENAI_API_KEY\")\n"},
		{name: "a local helper is not the file's", langID: "r", in: "f <- function() {\n  must_getenv <- function(n) n\n}\nk <- \"{{KEY}}\"\n",
			want: h + "\nf <- function() {\n  must_getenv <- function(n) n\n}\nk <- must_getenv(\"OPENAI_API_KEY\")\n"},
		{name: "hand-written helper with =", langID: "r", in: "must_getenv = function(n) Sys.getenv(n)\nk <- \"{{KEY}}\"\n",
			want: "must_getenv = function(n) Sys.getenv(n)\nk <- must_getenv(\"OPENAI_API_KEY\")\n"},
	})
}

func TestSystemsAndMobile(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "rust let", langID: "rust", in: "fn main() {\n    let key = \"{{KEY}}\";\n}\n",
			want: "fn main() {\n    let key = &std::env::var(\"OPENAI_API_KEY\").expect(\"OPENAI_API_KEY must be set\");\n}\n"},
		{name: "rust method call", langID: "rust", in: "let key = \"{{KEY}}\".to_string();\n",
			want: "let key = std::env::var(\"OPENAI_API_KEY\").expect(\"OPENAI_API_KEY must be set\").to_string();\n"},
		{name: "rust raw partial", langID: "rust", in: "let h = r#\"Bearer {{KEY}} {x}\"#;\n",
			want: "let h = &format!(r#\"Bearer {} {{x}}\"#, std::env::var(\"OPENAI_API_KEY\").expect(\"OPENAI_API_KEY must be set\"));\n"},
		{name: "rust match arm refused", langID: "rust", in: "fn f(k: &str) -> bool { match k { \"{{KEY}}\" => true, _ => false } }\n", wantErr: ErrUnsafe},
		{name: "rust const refused", langID: "rust", in: "const KEY: &str = \"{{KEY}}\";\n", wantErr: ErrUnsafe},
		{name: "rust lifetime before", langID: "rust", in: "fn f<'a>(x: &'a str) -> &'a str { \"{{KEY}}\" }\n",
			want: "fn f<'a>(x: &'a str) -> &'a str { &*std::env::var(\"OPENAI_API_KEY\").expect(\"OPENAI_API_KEY must be set\").leak() }\n"},
		{name: "swift", langID: "swift", in: "let apiKey = \"{{KEY}}\"\n",
			want: "import Foundation\n\nlet apiKey = ProcessInfo.processInfo.environment[\"OPENAI_API_KEY\"]!\n"},
		{name: "swift imported", langID: "swift", in: "import SwiftUI\nlet h = \"Bearer {{KEY}}\"\n",
			want: "import SwiftUI\nlet h = \"Bearer \\(ProcessInfo.processInfo.environment[\"OPENAI_API_KEY\"]!)\"\n"},
		{name: "swift after other import", langID: "swift", in: "// App\nimport OpenAI\nlet k = \"{{KEY}}\"\n",
			want: "// App\nimport Foundation\nimport OpenAI\nlet k = ProcessInfo.processInfo.environment[\"OPENAI_API_KEY\"]!\n"},
		{name: "dart", langID: "dart", in: "import 'package:http/http.dart';\nfinal key = '{{KEY}}';\n",
			want: "import 'dart:io';\nimport 'package:http/http.dart';\nfinal key = Platform.environment['OPENAI_API_KEY']!;\n"},
		{name: "dart const and interpolation", langID: "dart", in: "import 'dart:io';\nconst h = 'Bearer {{KEY}}';\n",
			want: "import 'dart:io';\nfinal h = 'Bearer ${Platform.environment['OPENAI_API_KEY']!}';\n"},
		{name: "dart no imports", langID: "dart", in: "void main() {\n  print('{{KEY}}');\n}\n",
			want: "import 'dart:io';\n\nvoid main() {\n  print(Platform.environment['OPENAI_API_KEY']!);\n}\n"},
		{name: "dart part file refused", langID: "dart", in: "part of app;\nfinal k = '{{KEY}}';\n", wantErr: ErrUnsafe},
	})
}

func TestShell(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "unquoted", langID: "shellscript", in: "export OPENAI_API_KEY={{KEY}}\n", varName: "OPENAI_API_KEY",
			want: "export OPENAI_API_KEY=\"${OPENAI_API_KEY:?}\"\n"},
		{name: "double quoted whole", langID: "shellscript", in: "KEY=\"{{KEY}}\"\n", want: "KEY=\"${OPENAI_API_KEY:?}\"\n"},
		{name: "inside double quotes", langID: "shellscript", in: "curl -H \"Authorization: Bearer {{KEY}}\" $URL\n",
			want: "curl -H \"Authorization: Bearer ${OPENAI_API_KEY:?}\" $URL\n"},
		{name: "inside single quotes", langID: "shellscript", in: "curl -H 'Authorization: Bearer {{KEY}}' $URL\n",
			want: "curl -H 'Authorization: Bearer '\"${OPENAI_API_KEY:?}\"'' $URL\n"},
		{name: "heredoc", path: "run.sh", in: "cat <<EOF\nkey={{KEY}}\nEOF\n", want: "cat <<EOF\nkey=${OPENAI_API_KEY:?}\nEOF\n"},
		{name: "literal heredoc refused", path: "run.sh", in: "cat <<'EOF'\nkey={{KEY}}\nEOF\n", wantErr: ErrUnsafe},
		{name: "comment refused", langID: "shellscript", in: "# {{KEY}}\n", wantErr: ErrUnsafe},
	})
}

func TestYAML(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "compose map", langID: "yaml", path: "/w/docker-compose.yml",
			in:   "services:\n  app:\n    image: app\n    environment:\n      OPENAI_API_KEY: {{KEY}}\n",
			want: "services:\n  app:\n    image: app\n    environment:\n      OPENAI_API_KEY: ${OPENAI_API_KEY}\n"},
		{name: "compose list", langID: "yaml", path: "/w/compose.yaml",
			in:   "services:\n  app:\n    environment:\n      - OPENAI_API_KEY={{KEY}}\n",
			want: "services:\n  app:\n    environment:\n      - OPENAI_API_KEY=${OPENAI_API_KEY}\n"},
		{name: "compose quoted partial", langID: "dockercompose", path: "/w/stack.yml",
			in:   "services:\n  app:\n    environment:\n      AUTH: \"Bearer {{KEY}}\"\n",
			want: "services:\n  app:\n    environment:\n      AUTH: \"Bearer ${OPENAI_API_KEY}\"\n"},
		{name: "compose flow refused", langID: "yaml", path: "/w/docker-compose.yml",
			in: "services:\n  app:\n    environment: [K={{KEY}}]\n", wantErr: ErrUnsafe},
		{name: "compose comment refused", langID: "yaml", path: "/w/docker-compose.yml",
			in: "services:\n  app: # {{KEY}}\n", wantErr: ErrUnsafe},
		{name: "workflow env", langID: "yaml", path: "/w/.github/workflows/ci.yml",
			in:   "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    env:\n      OPENAI_API_KEY: '{{KEY}}'\n",
			want: "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    env:\n      OPENAI_API_KEY: '${{ secrets.OPENAI_API_KEY }}'\n"},
		{name: "workflow run block", langID: "github-actions-workflow", path: "/w/.github/workflows/ci.yml",
			in:   "jobs:\n  t:\n    steps:\n      - run: |\n          curl -H \"Authorization: Bearer {{KEY}}\" x\n",
			want: "jobs:\n  t:\n    steps:\n      - run: |\n          curl -H \"Authorization: Bearer ${{ secrets.OPENAI_API_KEY }}\" x\n"},
		{name: "plain yaml unsupported", langID: "yaml", path: "/w/config.yml", in: "key: {{KEY}}\n", wantErr: ErrUnsupported},
		{name: "markdown unsupported", langID: "markdown", path: "/w/README.md", in: "key: {{KEY}}\n", wantErr: ErrUnsupported},
		{name: "plaintext unsupported", langID: "plaintext", path: "/w/notes.txt", in: "key: {{KEY}}\n", wantErr: ErrUnsupported},
	})
}

func TestTerraform(t *testing.T) {
	runSourceCases(t, []sourceCase{
		{name: "provider argument", path: "/w/main.tf", in: "provider \"openai\" {\n  api_key = \"{{KEY}}\"\n}\n",
			want: "provider \"openai\" {\n  api_key = var.openai_api_key\n}\n\nvariable \"openai_api_key\" {\n  type      = string\n  sensitive = true\n}\n"},
		{name: "partial interpolates", path: "/w/main.tf", in: "locals {\n  auth = \"Bearer {{KEY}}\"\n}\nvariable \"openai_api_key\" {\n  type = string\n}\n",
			want: "locals {\n  auth = \"Bearer ${var.openai_api_key}\"\n}\nvariable \"openai_api_key\" {\n  type = string\n}\n"},
		{name: "variable default refused", path: "/w/vars.tf", in: "variable \"k\" {\n  default = \"{{KEY}}\"\n}\n", wantErr: ErrUnsafe},
		{name: "heredoc refused", path: "/w/main.tf", in: "locals {\n  s = <<EOT\n{{KEY}}\nEOT\n}\n", wantErr: ErrUnsafe},
	})
}

// TestRLoaderBeforeHelper: where the readRenviron line and the helper go
// to the same spot (a file with no library() calls), .env is read first
// and each is added once.
func TestRLoaderBeforeHelper(t *testing.T) {
	content, f := plant(t, "key <- \"{{KEY}}\"\n", "openai", "")
	plan, err := MoveToEnv(Request{LanguageID: "r", Path: "/w/a.R", Content: content, Finding: f,
		Project: Project{Files: map[string][]byte{}, DocRel: "a.R"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Apply(content, plan.Source)
	if err != nil {
		t.Fatal(err)
	}
	want := "if (file.exists(\".env\")) readRenviron(\".env\")\n\n" + rHelperText + "\nkey <- must_getenv(\"OPENAI_API_KEY\")\n"
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if plan.LoaderAdded != "readRenviron" {
		t.Errorf("LoaderAdded = %q", plan.LoaderAdded)
	}
}
