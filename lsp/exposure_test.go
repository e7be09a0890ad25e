package lsp_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// Hardcoded keys are probed on open like .env keys: a live one is an
// error "live key — rotate it now", a dead one a hint "revoked — just
// delete it"; every key diagnostic links to the provider's key page; each
// key costs one request, and saving within the TTL none.
func TestHardcodedKeysProbed(t *testing.T) {
	fp, settings := fake(t, map[string]string{"anthropic": "anthropic/valid", "openai": "openai/invalid key"})
	env := New(t, `
-- live.py --
client = Anthropic(api_key="{{anthropic}}")
-- dead.js --
const openai = new OpenAI({ apiKey: "{{openai}}" });
const again = "{{openai}}";
`, WithInitializationOptions(settings))
	env.Initialize()
	env.Open("live.py")
	env.Open("dead.js")
	env.Await(
		Diagnostics("live.py", Code("hardcoded-key"), Severity(1), MessageContains("live key — rotate it now"),
			Href("https://console.anthropic.com/settings/keys")),
		Diagnostics("dead.js", Code("hardcoded-key"), AtLine(0), Severity(4), MessageContains("revoked — just delete it"),
			Href("https://platform.openai.com/api-keys")),
		Diagnostics("dead.js", AtLine(1), Severity(4)),
	)
	if n := len(fp.Requests()); n != 2 {
		t.Errorf("%d probe requests for 2 distinct keys", n)
	}
	env.Save("dead.js")
	time.Sleep(150 * time.Millisecond)
	if n := len(fp.Requests()); n != 2 {
		t.Errorf("save within the TTL made %d more requests", n-2)
	}
	for _, d := range env.Diagnostics("dead.js") {
		if strings.Contains(d.Message, Key("openai")) {
			t.Error("a diagnostic holds the full key")
		}
	}
}

// probe.hardcoded off: code documents are never probed and keep their
// warning.
func TestHardcodedProbeOff(t *testing.T) {
	fp, settings := fake(t, map[string]string{"anthropic": "anthropic/valid"})
	settings["probe"] = map[string]any{"hardcoded": false}
	env := New(t, "-- a.py --\nk = \"{{anthropic}}\"\n", WithInitializationOptions(settings))
	env.Initialize()
	env.Open("a.py")
	env.Await(Diagnostics("a.py", Code("hardcoded-key"), Severity(2), Href("https://console.anthropic.com/settings/keys")))
	env.Save("a.py")
	time.Sleep(200 * time.Millisecond)
	if n := len(fp.Requests()); n != 0 {
		t.Errorf("probe.hardcoded=false made %d requests", n)
	}
	if env.Holds(Diagnostics("a.py", Severity(1))) {
		t.Error("an unprobed key was raised to error")
	}
}

// A .env key whose comment says it was created long ago gets a rotation
// reminder; a recent one does not; rotation.maxAgeDays decides; the
// verdict diagnostic links to the key page too.
func TestRotationReminder(t *testing.T) {
	_, settings := fake(t, map[string]string{"openai": "openai/invalid key", "anthropic": "anthropic/valid", "groq": "groq/invalid key"})
	today := time.Now().Format("2006-01-02")
	env := New(t, `
-- .gitignore --
.env
-- .env --
OPENAI_API_KEY={{openai}} # created 2020-01-01
# Created: 2021-06-30 by ops
ANTHROPIC_API_KEY="{{anthropic}}"
GROQ_API_KEY={{groq}} # created `+today+`
`, WithInitializationOptions(settings))
	env.Initialize()
	env.Open(".env")
	env.Await(
		Diagnostics(".env", Code("env-key-rotate"), AtLine(0), Severity(3), MessageContains("rotate: older than 90 days"),
			Href("https://platform.openai.com/api-keys")),
		Diagnostics(".env", Code("env-key-rotate"), AtLine(2), MessageContains("created 2021-06-30")),
		Diagnostics(".env", Code("env-key-invalid"), AtLine(0), Href("https://platform.openai.com/api-keys")),
	)
	if env.Holds(Diagnostics(".env", Code("env-key-rotate"), AtLine(3))) {
		t.Error("a key created today has a rotation reminder")
	}
	settings["rotation"] = map[string]any{"maxAgeDays": 0}
	env.SetConfiguration(settings)
	env.Await(NoMatchingDiagnostics(".env", Code("env-key-rotate")))
}

// The history of the workspace's repository, indexed in the background:
// hover says when a key was first committed, and a .env key committed
// more than rotation.maxAgeDays ago gets a rotation reminder.
func TestHistoryInHoverAndRotation(t *testing.T) {
	_, settings := fake(t, map[string]string{"openai": "openai/invalid key", "anthropic": "anthropic/valid"})
	settings["probe"] = map[string]any{"enabled": false}
	env := New(t, `
-- .env --
OPENAI_API_KEY={{openai}}
-- app.py --
k = "{{anthropic}}"
-- new.py --
k = "{{groq}}"
`, GitInit(), WithInitializationOptions(settings))
	gitIn := func(date string, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = env.Dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitIn("2023-01-02T10:00:00Z", "add", ".env", "app.py")
	gitIn("2023-01-02T10:00:00Z", "commit", "-qm", "keys")
	hash, _ := exec.Command("git", "-C", env.Dir, "rev-parse", "HEAD").Output()

	env.Initialize()
	env.Open(".env")
	env.Await(Diagnostics(".env", Code("env-key-rotate"), Severity(3), MessageContains("first committed 2023-01-02 in "+string(hash[:12])),
		Href("https://platform.openai.com/api-keys")))
	env.Open("app.py")
	env.Open("new.py")
	env.Await(Diagnostics("app.py"), Diagnostics("new.py"))
	if h := env.Hover("app.py", pos(0, 8)); !strings.Contains(h, "first committed: `"+string(hash[:12])+"` on 2023-01-02 in `app.py`") {
		t.Errorf("hover on a committed key:\n%s", h)
	}
	if h := env.Hover("new.py", pos(0, 8)); !strings.Contains(h, "never committed") {
		t.Errorf("hover on a key never committed:\n%s", h)
	}
}

// A committed path is the repository's text: one with backticks cannot
// close the hover's code span and render the rest as a Markdown link (or
// an image the editor would fetch) in keyguard's own hover.
func TestHistoryHoverPathIsCode(t *testing.T) {
	_, settings := fake(t, map[string]string{"anthropic": "anthropic/valid"})
	settings["probe"] = map[string]any{"enabled": false}
	name := "a`[rotate your key here](https:evil.test)`b.py"
	env := New(t, "-- app.py --\nk = \"{{anthropic}}\"\n", GitInit(), WithInitializationOptions(settings))
	if err := os.WriteFile(env.Dir+"/"+name, []byte("k = \""+Key("anthropic")+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "--", name}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "k"}} {
		if out, err := exec.Command("git", append([]string{"-C", env.Dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	env.Initialize()
	env.Open("app.py")
	env.Await(Diagnostics("app.py"))
	var h string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if h = env.Hover("app.py", pos(0, 8)); strings.Contains(h, "first committed") {
			break
		}
	}
	if !strings.Contains(h, "first committed") {
		t.Fatalf("no history line in the hover:\n%s", h)
	}
	if !strings.Contains(h, "in `` "+name+" ``") {
		t.Errorf("the path is not one code span:\n%s", h)
	}
}

// Opening a code document with many distinct hardcoded keys probes at most
// the per-document cap of them, not every one (each would be a request
// from the user's machine, fired by merely opening a cloned file).
func TestHardcodedProbesCapped(t *testing.T) {
	fp, settings := fake(t, map[string]string{})
	base := Key("openai")
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "k%d = \"%s%04d\"\n", i, base[:len(base)-4], 1000+i*7)
	}
	env := New(t, "-- many.py --\n"+b.String(), WithInitializationOptions(settings))
	env.Initialize()
	env.Open("many.py")
	env.Await(Diagnostics("many.py", Code("hardcoded-key")))
	time.Sleep(500 * time.Millisecond)
	if n := len(fp.Requests()); n == 0 || n > 10 {
		t.Errorf("opening a file of 40 keys made %d probe requests, want 1..10", n)
	}
	env.Save("many.py")
	time.Sleep(300 * time.Millisecond)
	if n := len(fp.Requests()); n > 10 {
		t.Errorf("after save %d probe requests, want at most 10", n)
	}
}
