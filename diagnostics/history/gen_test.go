package history

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
)

// keyMaker builds key-shaped strings at run time (no committed source holds
// one), from a fixed seed so a failure reproduces, and keeps only those the
// detector accepts on their own: a random string can look like a
// placeholder (a run of sequential characters) and would make the test
// about the generator rather than the history scan.
type keyMaker struct{ r *rand.Rand }

func newKeyMaker(seed uint64) *keyMaker {
	return &keyMaker{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (m *keyMaker) alnum(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[m.r.IntN(len(chars))]
	}
	return string(b)
}

func (m *keyMaker) key(i int) string {
	for {
		var k string
		switch i % 4 {
		case 0:
			k = "sk-proj-" + m.alnum(74) + "T3BlbkFJ" + m.alnum(74)
		case 1:
			k = "sk-ant-api03-" + m.alnum(93) + "AA"
		case 2:
			k = "gsk_" + m.alnum(52)
		default:
			k = "hf_" + m.alnum(34)
		}
		if fs := diagnostics.Default.Scan("k.py", []byte("token = \""+k+"\"\n")); len(fs) == 1 && fs[0].Key == k {
			return k
		}
	}
}

// repoModel generates a repository with git fast-import and remembers, as
// ground truth, the first commit that brought each planted key to each
// path.
type repoModel struct {
	t       *testing.T
	r       *rand.Rand
	buf     bytes.Buffer
	blobs   map[string]int // content → mark
	mark    int
	when    time.Time
	commits []modelCommit // in creation order (a topological order)

	// Planted keys the scan must find, and the ones it must not (allow
	// comments, binary files).
	keys, hidden []string
	// expected: fingerprint + "\x00" + path → place of first appearance.
	expected map[string]expectedPlace
}

type modelCommit struct {
	mark int
	date time.Time
}

type expectedPlace struct {
	commitMark int
	line       int
	rule       string
}

type tree map[string]string // path → content

func (t tree) clone() tree {
	c := make(tree, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

func newRepoModel(t *testing.T, seed uint64) *repoModel {
	return &repoModel{t: t, r: rand.New(rand.NewPCG(seed, 7)), blobs: map[string]int{},
		when: time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC), expected: map[string]expectedPlace{}}
}

// commit emits a commit of the whole tree on branch with the given parents
// and records which keys it brought to which path (only paths whose
// content differs from the first parent's: what `git log --raw` shows).
func (m *repoModel) commit(branch string, parents []int, prev, cur tree) int {
	paths := make([]string, 0, len(cur))
	for p := range cur {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		c := cur[p]
		if _, ok := m.blobs[c]; !ok {
			m.mark++
			m.blobs[c] = m.mark
			fmt.Fprintf(&m.buf, "blob\nmark :%d\ndata %d\n%s\n", m.mark, len(c), c)
		}
	}
	m.mark++
	mark := m.mark
	m.when = m.when.Add(time.Duration(1+m.r.IntN(3600)) * time.Second)
	msg := fmt.Sprintf("commit %d", mark)
	fmt.Fprintf(&m.buf, "commit refs/heads/%s\nmark :%d\nauthor A <a@example.com> %d +0000\ncommitter A <a@example.com> %d +0000\ndata %d\n%s\n",
		branch, mark, m.when.Unix(), m.when.Unix(), len(msg), msg)
	for i, p := range parents {
		if i == 0 {
			fmt.Fprintf(&m.buf, "from :%d\n", p)
		} else {
			fmt.Fprintf(&m.buf, "merge :%d\n", p)
		}
	}
	m.buf.WriteString("deleteall\n")
	for _, p := range paths {
		fmt.Fprintf(&m.buf, "M 100644 :%d %s\n", m.blobs[cur[p]], p)
	}
	m.buf.WriteString("\n")
	m.commits = append(m.commits, modelCommit{mark: mark, date: m.when})

	for _, p := range paths {
		c := cur[p]
		if prev[p] == c {
			continue
		}
		for _, k := range m.keys {
			idx := strings.Index(c, k)
			if idx < 0 {
				continue
			}
			id := diagnostics.Fingerprint(k) + "\x00" + p
			if _, seen := m.expected[id]; seen {
				continue
			}
			rule := ruleOf(k)
			if diagnostics.IsEnvFile(p) {
				rule = string(diagnostics.CodeCommittedEnvKey)
			}
			m.expected[id] = expectedPlace{commitMark: mark, line: strings.Count(c[:idx], "\n") + 1, rule: rule}
		}
	}
	return mark
}

func ruleOf(k string) string {
	fs := diagnostics.Default.Scan("k.py", []byte("token = \""+k+"\"\n"))
	return fs[0].Rule
}

// words builds a line of noise: lower-case words, never key-shaped.
func (m *repoModel) words(n int) string {
	ws := []string{"alpha", "beta", "gamma", "delta", "request", "client", "model", "token", "value", "return", "items", "cache", "print", "config"}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ws[m.r.IntN(len(ws))])
	}
	return b.String()
}

// placeholders look like keys to a naive regex and must not be reported.
var placeholders = []string{
	`OPENAI_API_KEY = "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"`,
	`api_key = "your-api-key"`,
	`ANTHROPIC_API_KEY = "<your-anthropic-key>"`,
	`GROQ_API_KEY = "gsk_EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE12"`,
	`key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz"`,
}

// generate builds a history of about n commits on main with side branches
// merged back, and plants keys that are all gone from the final tree.
func (m *repoModel) generate(n int) {
	km := newKeyMaker(42)
	const noiseFiles = 40
	main := tree{"README.md": "# project\n", "docs/setup.md": strings.Join(placeholders, "\n") + "\n"}
	for i := range noiseFiles {
		main[fmt.Sprintf("src/mod%02d/file.py", i)] = m.words(8) + "\n" + m.words(8) + "\n"
	}
	prevMain := tree{}
	head := m.commit("main", nil, prevMain, main)
	prevMain = main.clone()

	// A planted key's life: added at commit `at`, removed `life` commits
	// later; kinds vary where and how.
	type plant struct {
		at, life int
		kind     string
		key      string
		path     string
	}
	var plants []plant
	kinds := []string{"line", "newfile", "env", "rename", "side", "allow", "binary", "twice", "again", "merge"}
	for i := range 72 {
		k := km.key(i)
		kind := kinds[i%len(kinds)]
		p := plant{at: 5 + i*(n-200)/72, life: 3 + m.r.IntN(40), kind: kind, key: k}
		switch kind {
		case "allow", "binary":
			m.hidden = append(m.hidden, k)
		default:
			m.keys = append(m.keys, k)
		}
		plants = append(plants, p)
	}

	side := 0
	for i := 1; i < n; i++ {
		cur := main.clone()
		// Noise: every commit edits one file.
		f := fmt.Sprintf("src/mod%02d/file.py", m.r.IntN(noiseFiles))
		cur[f] = cur[f] + m.words(6) + "\n"
		if len(cur[f]) > 4000 {
			cur[f] = m.words(8) + "\n"
		}
		for pi := range plants {
			p := &plants[pi]
			switch {
			case i == p.at:
				switch p.kind {
				case "line", "allow":
					p.path = fmt.Sprintf("src/mod%02d/settings_%d.py", pi%noiseFiles, pi)
					line := fmt.Sprintf("API_KEY = \"%s\"", p.key)
					if p.kind == "allow" {
						line += "  # keyguard:allow test fixture"
					}
					cur[p.path] = m.words(5) + "\n" + m.words(5) + "\n" + line + "\n"
				case "newfile", "again", "rename":
					p.path = fmt.Sprintf("config/secrets_%d.py", pi)
					cur[p.path] = "import os\n\nclient = Client(api_key=\"" + p.key + "\")\n"
				case "env":
					p.path = []string{".env", "svc/.env.production"}[pi%2]
					cur[p.path] = "DEBUG=1\nOPENAI_API_KEY=" + p.key + "\n"
				case "binary":
					p.path = fmt.Sprintf("assets/blob%d.bin", pi)
					cur[p.path] = "\x00\x01\x02 key=\"" + p.key + "\"\n"
				case "twice":
					p.path = fmt.Sprintf("a/one_%d.js", pi)
					cur[p.path] = "const k = '" + p.key + "';\n"
					cur[fmt.Sprintf("b/two_%d.go", pi)] = "package b\n\nvar k = \"" + p.key + "\"\n"
				case "side", "merge":
					// A branch off main that adds the key and removes it
					// again ("side"), merged back; or a merge that adds a
					// key of its own ("merge", an evil merge: only its diff
					// against the first parent shows it).
					side++
					branch := fmt.Sprintf("feature/%d", side)
					bt := main.clone()
					sidePath := fmt.Sprintf("side%d/client.ts", side)
					bt[sidePath] = "export const key = \"" + p.key + "\";\n"
					if p.kind == "merge" {
						bt[sidePath] = "export const key = process.env.A;\n"
					}
					b1 := m.commit(branch, []int{head}, main, bt)
					bt2 := bt.clone()
					bt2[sidePath] = "export const key = process.env.KEY;\n"
					b2 := m.commit(branch, []int{b1}, bt, bt2)
					// main moves on meanwhile, then merges the branch.
					head = m.commit("main", []int{head}, prevMain, cur)
					prevMain = cur.clone()
					merged := cur.clone()
					merged[sidePath] = bt2[sidePath]
					p.path = sidePath
					if p.kind == "merge" {
						p.path = fmt.Sprintf("merge%d/resolved.py", side)
						merged[p.path] = "KEY = \"" + p.key + "\"\n"
					}
					head = m.commit("main", []int{head, b2}, prevMain, merged)
					prevMain = merged.clone()
					cur = merged.clone()
				}
			case i == p.at+p.life/2 && p.kind == "rename":
				newPath := strings.Replace(p.path, "config/", "settings/", 1)
				cur[newPath] = cur[p.path]
				delete(cur, p.path)
				p.path = newPath
			case i == p.at+p.life:
				switch p.kind {
				case "twice":
					delete(cur, p.path)
					delete(cur, strings.Replace(strings.Replace(p.path, "a/one_", "b/two_", 1), ".js", ".go", 1))
				case "side":
				default: // "merge" too: main deletes the merge's file
					delete(cur, p.path)
				}
			case i == p.at+p.life+5 && p.kind == "again":
				// The same key comes back to the same path: not a new place.
				cur[p.path] = "client = Client(api_key=\"" + p.key + "\")\n"
			case i == p.at+p.life+9 && p.kind == "again":
				delete(cur, p.path)
			}
		}
		head = m.commit("main", []int{head}, prevMain, cur)
		prevMain = cur.clone()
		main = cur
	}
	for p, c := range main {
		for _, k := range append(append([]string{}, m.keys...), m.hidden...) {
			if strings.Contains(c, k) {
				m.t.Fatalf("generator bug: the final tree still holds a key in %s", p)
			}
		}
	}
}

// write runs git fast-import into a new repository and returns its
// directory and the commit hash of each mark.
func (m *repoModel) write(dir string, bare bool) map[int]string {
	args := []string{"init", "-q", "-b", "main"}
	if bare {
		args = append(args, "--bare")
	}
	gitRun(m.t, "", nil, append(args, dir)...)
	marks := filepath.Join(m.t.TempDir(), "marks")
	gitRun(m.t, dir, m.buf.Bytes(), "fast-import", "--quiet", "--export-marks="+marks)
	data, err := os.ReadFile(marks)
	if err != nil {
		m.t.Fatal(err)
	}
	hashes := map[int]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var mark int
		var hash string
		if _, err := fmt.Sscanf(line, ":%d %s", &mark, &hash); err == nil {
			hashes[mark] = hash
		}
	}
	return hashes
}

func gitRun(t *testing.T, dir string, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
