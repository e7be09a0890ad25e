package envscan

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/joho/godotenv"
)

// equivalenceInputs are .env texts covering godotenv's quirks; for each one
// godotenv accepts, Parse must give the same names and values.
var equivalenceInputs = []string{
	"",
	"A=1",
	"A=1\nB=2\n",
	"A=1\r\nB=2\r\n",
	"export A=1\nexport  B = 2",
	"exportA=1",
	"export=1",
	"A: 1\nB:2",
	"A='single $B'\nB=\"double\"",
	"A=\"esc\\n\\r\\t\\\"q\\\" \\$X\"",
	"A=\"multi\nline\r\nvalue\"\nB=2",
	"A='multi\nline'",
	"A=value # comment\nB=val#nocomment\nC=a #b #c",
	"# full comment\n  # indented comment\nA=1 # x",
	"A= # only comment",
	"A=",
	"A=\nB=2",
	"A=   spaced   \nB=\t tab\t",
	"A=\" inner spaces \"",
	"A=1\nB=${A}2\nC=$A\nD=\\$A\nE='$A'\nF=\"${A}x\"",
	"A=$(cmd)",
	"A=${lower}",
	"A.B=1\nA_B=2\n_X=3\nX9=4",
	"A B=1",
	"A=1\nA=2",
	"A=\"a\"B=2",
	"A=\"a\" # comment",
	"A=\"\"",
	"A=''",
	"A=\"'\"",
	"A='\"sk\"'",
	"A=`backtick`",
	"A=\u00a0nbsp\u00a0",
	"A=zero\u200bwidth",
	"A=smart“quote”",
	"A=“quoted”",
	"A=Bearer sk-abc",
	"A=\xff\xfe",
	"NOEQUALS",
	"A=1\nNOEQUALS",
	"A=1\r",
	"A=1\rB=2",
	"\n\n\nA=1\n\n",
	"A=\"x\\\\\"",
	"A=é\nÉ=2",
	"A=\"a\nB=2",
	"A=1\nBAD LINE\nC=3",
	"A=1 #",
	"A=#x",
	"  A  =  1  ",
	"export\tA=1",
	"export",
	"A=\"sk\\\"x\"",
	"A=''x'",
	"A=\"\"x\"",
}

func TestParseMatchesGodotenv(t *testing.T) {
	for _, in := range equivalenceInputs {
		checkEquivalent(t, []byte(in))
	}
	// The fuzz corpus holds inputs the fuzzer found interesting.
	files, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if in, ok := corpusString(data); ok {
			checkEquivalent(t, []byte(in))
		}
	}
}

// checkEquivalent compares Parse with godotenv on one input.
func checkEquivalent(t *testing.T, in []byte) {
	t.Helper()
	f := Parse("in.env", in)
	for _, v := range f.Vars {
		if v.ExpandErr != "" {
			// Past the expansion caps godotenv would grow without limit
			// (that is the point of the caps): nothing to compare.
			return
		}
	}
	want, err := godotenv.UnmarshalBytes(in)
	if err != nil {
		// Where godotenv fails the parser must report something too,
		// except for a leading BOM, which it skips on purpose.
		if len(f.Errors) == 0 && !f.BOM {
			t.Errorf("%q: godotenv fails (%v) but Parse reports no error", in, err)
		}
		return
	}
	if len(f.Errors) > 0 {
		t.Errorf("%q: godotenv accepts it but Parse reports %v", in, f.Errors)
	}
	got := map[string]string{}
	for _, v := range f.Vars {
		got[v.Name] = v.Value
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%q: values differ from godotenv (-godotenv +Parse):\n%s", in, diff)
	}
	checkPositions(t, in, f)
}

// checkPositions checks the invariants of every Var's offsets.
func checkPositions(t *testing.T, in []byte, f *File) {
	t.Helper()
	for _, v := range f.Vars {
		if !(0 <= v.Start && v.Start <= v.ValStart && v.ValStart <= v.ValEnd && v.ValEnd <= v.End && v.End <= len(in)) {
			t.Errorf("%q: %s: bad offsets %+v", in, v.Name, v)
			continue
		}
		if v.Raw != string(in[v.ValStart:v.ValEnd]) {
			t.Errorf("%q: %s: Raw %q != text at offsets %q", in, v.Name, v.Raw, in[v.ValStart:v.ValEnd])
		}
		line := bytes.Count(in[:v.Start], []byte("\n")) + 1
		if v.Line != line && v.Name != "" {
			t.Errorf("%q: %s: line %d, want %d", in, v.Name, v.Line, line)
		}
		if v.Quote != 0 && (len(v.Raw) < 2 || v.Raw[0] != v.Quote || v.Raw[len(v.Raw)-1] != v.Quote) {
			t.Errorf("%q: %s: quoted Raw %q does not start and end with the quote", in, v.Name, v.Raw)
		}
	}
}

// corpusString reads a `go test fuzz v1` file holding one string or []byte.
func corpusString(data []byte) (string, bool) {
	lines := strings.SplitN(string(data), "\n", 3)
	if len(lines) < 2 {
		return "", false
	}
	arg := strings.TrimSpace(lines[1])
	arg = strings.TrimPrefix(arg, "[]byte(")
	arg = strings.TrimPrefix(arg, "string(")
	arg = strings.TrimSuffix(arg, ")")
	s, err := strconv.Unquote(arg)
	return s, err == nil
}

func TestParsePositions(t *testing.T) {
	in := "\ufeff# c\r\nexport OPENAI_API_KEY=\"sk-abc\"  # note\r\nB = plain value # c\r\nC='multi\r\nline'\r\nD=\n"
	f := Parse(".env", []byte(in))
	if !f.BOM || len(f.Errors) != 0 {
		t.Fatalf("BOM=%v errors=%v", f.BOM, f.Errors)
	}
	type pos struct {
		Name, Value, Raw   string
		Line, Column       int
		Exported           bool
		Quote              byte
		CommentAfterValEnd bool
	}
	var got []pos
	for _, v := range f.Vars {
		got = append(got, pos{v.Name, v.Value, v.Raw, v.Line, v.Column, v.Exported, v.Quote, v.CommentStart > v.ValEnd})
	}
	want := []pos{
		{"OPENAI_API_KEY", "sk-abc", `"sk-abc"`, 2, 8, true, '"', false},
		{"B", "plain value", "plain value", 3, 1, false, 0, true},
		{"C", "multi\nline", "'multi\r\nline'", 4, 1, false, '\'', false},
		{"D", "", "", 6, 1, false, 0, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if v := f.Vars[0]; in[v.Start:v.NameEnd] != "export OPENAI_API_KEY" {
		t.Errorf("Start..NameEnd = %q", in[v.Start:v.NameEnd])
	}
}

func TestParseErrorsContinue(t *testing.T) {
	in := "A=1\nBAD LINE\nB=\"unterminated\nC=3\nD-E=4\nF=5"
	f := Parse(".env", []byte(in))
	var names []string
	for _, v := range f.Vars {
		names = append(names, v.Name)
	}
	if diff := cmp.Diff([]string{"A", "C", "F"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	var lines []int
	for _, e := range f.Errors {
		lines = append(lines, e.Line)
		if e.Message == "" {
			t.Errorf("empty message at line %d", e.Line)
		}
	}
	if diff := cmp.Diff([]int{2, 3, 5}, lines); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	for _, in := range equivalenceInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		file := Parse("fuzz.env", in)
		checkPositions(t, in, file)
		checkEquivalent(t, in)
	})
}
