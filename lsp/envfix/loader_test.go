package envfix

import (
	"strings"
	"testing"
)

// TestDetectLoader: how each kind of project loads .env, for the
// frameworks and loaders the run-time corpus cannot start here (Next.js,
// Laravel, Rails, DotNetEnv, dotenvy …). want: "by:X" (loaded already),
// "adds:X" (the fix adds the loader, and the edit must contain wantEdit),
// "setup" (the title must say how; wantEdit, if any, is part of that text).
func TestDetectLoader(t *testing.T) {
	cases := []struct {
		name, path, src string
		files           map[string]string
		want, wantEdit  string
	}{
		{"next.js", "app/page.tsx", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"dependencies": {"next": "14.2.3", "react": "18"}}`}, "by:the framework", ""},
		{"nuxt", "server/api/chat.ts", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"devDependencies": {"nuxt": "^3.11"}}`}, "by:the framework", ""},
		{"remix", "app/routes/chat.ts", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"devDependencies": {"@remix-run/dev": "2.9.0"}}`}, "by:the framework", ""},
		{"nestjs config", "src/app.module.ts", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"dependencies": {"@nestjs/config": "3"}}`}, "by:the framework", ""},
		{"bun lockfile", "index.ts", `const k = "{{KEY}}";`, map[string]string{"package.json": `{}`, "bun.lockb": ""}, "by:the package.json start script", ""},
		{"node --env-file script", "server.js", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"scripts": {"start": "node --env-file=.env server.js"}}`}, "by:the package.json start script", ""},
		{"node -r dotenv/config", "server.js", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"scripts": {"dev": "node -r dotenv/config server.js"}}`}, "by:the package.json start script", ""},
		{"deno --env-file", "main.ts", `const k = "{{KEY}}";`, map[string]string{"deno.json": `{"tasks": {"dev": "deno run --env-file -A main.ts"}}`}, "by:deno --env-file", ""},
		{"entry point loads dotenv", "src/config.js", `module.exports = { k: "{{KEY}}" };`, map[string]string{"package.json": `{}`, "src/index.js": `require('dotenv').config();`}, "by:dotenv", ""},
		{"dotenv dependency, ESM by syntax", "src/a.ts", "import x from \"y\";\nconst k = \"{{KEY}}\";\n", map[string]string{"package.json": `{"dependencies": {"dotenv": "^16"}}`}, "adds:dotenv", `import "dotenv/config";`},
		{"TS without @types/node 20.12", "a.ts", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"devDependencies": {"@types/node": "^18.0.0"}}`}, "setup", ""},
		{"TS with @types/node 20.12", "a.ts", `const k = "{{KEY}}";`, map[string]string{"package.json": `{"devDependencies": {"@types/node": "~20.12.7"}}`}, "adds:Node's process.loadEnvFile", "process.loadEnvFile()"},
		{"laravel", "app/Services/Chat.php", "<?php\n$k = '{{KEY}}';\n", map[string]string{"composer.json": `{"require": {"laravel/framework": "^11.0"}}`, "artisan": ""}, "by:Laravel", ""},
		{"phpdotenv loaded in index.php", "src/Client.php", "<?php\n$k = '{{KEY}}';\n", map[string]string{"composer.json": `{"require": {"vlucas/phpdotenv": "^5"}}`, "public/index.php": "<?php\nDotenv\\Dotenv::createImmutable(dirname(__DIR__))->load();\n"}, "by:phpdotenv", ""},
		{"phpdotenv without autoload require", "src/Client.php", "<?php\n$k = '{{KEY}}';\n", map[string]string{"composer.json": `{"require": {"vlucas/phpdotenv": "^5"}}`}, "setup", ""},
		{"rails with dotenv-rails", "app/services/chat.rb", `K = "{{KEY}}"`, map[string]string{"Gemfile": "gem 'rails'\ngem 'dotenv-rails', groups: [:development]\n"}, "by:dotenv", ""},
		{"rust dotenvy declared", "src/main.rs", "fn main() {\n    let k = \"{{KEY}}\";\n}\n", map[string]string{"Cargo.toml": "[dependencies]\ndotenvy = \"0.15\"\n"}, "adds:dotenvy", "dotenvy::dotenv().ok();"},
		{"rust dotenvy, no main here", "src/lib.rs", "pub fn k() -> String { \"{{KEY}}\".to_string() }\n", map[string]string{"Cargo.toml": "[dependencies]\ndotenvy = \"0.15\"\n"}, "setup", ""},
		{"rust dotenvy called in main.rs", "src/client.rs", "pub fn k() -> String { \"{{KEY}}\".to_string() }\n", map[string]string{"Cargo.toml": "[dependencies]\ndotenvy = \"0.15\"\n", "src/main.rs": "fn main() { dotenvy::dotenv().ok(); }"}, "by:dotenvy", ""},
		{"dotnetenv declared", "Program.cs", "class P {\n    static void Main(string[] args) {\n        var k = \"{{KEY}}\";\n    }\n}\n", map[string]string{"App.csproj": `<PackageReference Include="DotNetEnv" Version="3.0.0" />`}, "adds:DotNetEnv", "DotNetEnv.Env.Load();"},
		{"pydantic-settings declared", "app.py", "K = \"{{KEY}}\"\n", map[string]string{"pyproject.toml": "[project]\ndependencies = [\"pydantic-settings>=2\"]\n"}, "adds:python-dotenv", "load_dotenv()"},
		{"django-environ read_env", "settings.py", "K = \"{{KEY}}\"\n", map[string]string{"manage.py": "import environ\nenviron.Env.read_env()\n"}, "by:python-dotenv", ""},
		{"godotenv in another file", "client.go", "package main\n\nvar k = \"{{KEY}}\"\n", map[string]string{"go.mod": "module x\n", "main.go": "package main\nimport \"github.com/joho/godotenv\"\nfunc main() { godotenv.Load() }\n"}, "by:godotenv", ""},
		{"java", "App.java", "class App { String k = \"{{KEY}}\"; }", map[string]string{"pom.xml": "<project/>"}, "setup", ""},
		{"spring imports .env as properties", "src/main/java/App.java", "class App { String k = \"{{KEY}}\"; }", map[string]string{"pom.xml": "<project/>", "src/main/resources/application.properties": "spring.config.import=optional:file:.env[.properties]\n"}, "setup", "@Value"},
		{"compose", "docker-compose.yml", "services:\n  a:\n    image: x\n    environment:\n      K: {{KEY}}\n", map[string]string{}, "by:docker compose", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			content, f := plant(t, tc.src, "openai", "k")
			files := map[string][]byte{}
			for n, d := range tc.files {
				files[n] = []byte(d)
			}
			plan, err := MoveToEnv(Request{Path: "/w/" + tc.path, Content: content, Finding: f, Project: Project{Files: files, DocRel: tc.path}})
			if err != nil {
				t.Fatal(err)
			}
			got := "setup"
			switch {
			case plan.LoadedBy != "":
				got = "by:" + plan.LoadedBy
			case plan.LoaderAdded != "":
				got = "adds:" + plan.LoaderAdded
			case plan.Setup == "":
				t.Fatal("neither loaded, nor added, nor a setup text")
			}
			if got != tc.want {
				t.Errorf("got %s (setup %q), want %s", got, plan.Setup, tc.want)
			}
			out, _ := Apply(content, plan.Source)
			if got == "setup" {
				out = []byte(plan.Setup) // wantEdit is then a part of the setup text
			}
			if tc.wantEdit != "" && !strings.Contains(string(out), tc.wantEdit) {
				t.Errorf("no %q in:\n%s", tc.wantEdit, out)
			}
		})
	}
}
