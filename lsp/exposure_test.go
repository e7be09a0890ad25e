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

// Hardcoded keys go through the same automatic-probe cap as .env keys:
// a file with 30 distinct keys opened costs at most the per-file cap of
// requests (issue 10 item 11).
func TestHardcodedProbesAreCapped(t *testing.T) {
	fp, settings := fake(t, map[string]string{})
	var b strings.Builder
	b.WriteString("-- keys.py --\n")
	for i := range 30 {
		// Distinct, detector-shaped Groq keys built at run time.
		body := strings.Repeat(string(rune('A'+i%26))+"x7Qm"+string(rune('a'+i%26))+"9Lp", 8)
		fmt.Fprintf(&b, "k%d = \"gsk_%s%02d\"\n", i, body[:50], i)
	}
	env := New(t, b.String(), WithInitializationOptions(settings))
	env.Initialize()
	env.Open("keys.py")
	env.Await(Diagnostics("keys.py", Code("hardcoded-key"), AtLine(29)))
	// Probes are paced (10 a second): wait until no request came for a
	// second, so that an uncapped run would have sent all 30.
	last, quiet := -1, time.Now()
	for time.Since(quiet) < time.Second {
		if n := len(fp.Requests()); n != last {
			last, quiet = n, time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	if last != 20 {
		t.Errorf("opening a file with 30 hardcoded keys made %d requests, want the per-file cap, 20", last)
	}
}

// A hardcoded key of a shape several services share (sk- + 32 lower-case
// alphanumerics: DeepSeek, DashScope, LiteLLM …) is probed only where its
// line names the provider (issue 10 item 3).
func TestHardcodedSharedShapeNeedsContext(t *testing.T) {
	fp, settings := fake(t, map[string]string{})
	srvURL := strings.TrimSuffix(settings["endpoints"].(map[string]string)["openai"], "/v1")
	settings["endpoints"].(map[string]string)["deepseek"] = srvURL + "/v1"
	shared := "sk-" + "4f9c2a7e1b8d3f6a" + "0c5e9b2d7a4f1e8c"
	env := New(t, "-- gw.py --\ngateway_token = \""+shared+"\"\n", WithInitializationOptions(settings))
	env.Initialize()
	env.Open("gw.py")
	env.Await(Diagnostics("gw.py", Code("hardcoded-key")))
	time.Sleep(300 * time.Millisecond)
	if n := len(fp.Requests()); n != 0 {
		t.Fatalf("a shared-shape key with nothing naming its provider was sent %d times", n)
	}
	env.Edit("gw.py", "client = DeepSeek(api_key=\""+shared+"\")\n")
	env.Save("gw.py")
	deadline := time.Now().Add(10 * time.Second)
	for len(fp.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(fp.Requests()); n != 1 {
		t.Errorf("a key whose line names DeepSeek: %d requests, want 1", n)
	}
}
