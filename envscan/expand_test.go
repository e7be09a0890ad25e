package envscan

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// laughs is a "billion laughs" .env: each line repeats the one before ten
// times, so godotenv would expand the last to 10^levels bytes.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("L0=haha-haha!\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "L%d=%s\n", i, strings.Repeat(fmt.Sprintf("${L%d}", i-1), 10))
	}
	return b.String()
}

// deepChain nests references n deep, each level adding one byte.
func deepChain(n int) string {
	var b strings.Builder
	b.WriteString("D0=x\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "D%d=${D%d}y\n", i, i-1)
	}
	return b.String()
}

func TestExpansionCaps(t *testing.T) {
	in := laughs(30)
	if len(in) > 2000 {
		t.Fatalf("the laughs file is %d bytes; the point is a small file", len(in))
	}
	start := time.Now()
	f := Parse(".env", []byte(in))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("parsing took %v", d)
	}
	capped, total := 0, 0
	for _, v := range f.Vars {
		if len(v.Value) > MaxExpandedValue {
			t.Errorf("%s is %d bytes", v.Name, len(v.Value))
		}
		total += len(v.Value)
		if v.ExpandErr != "" {
			capped++
		}
	}
	if capped == 0 || total > MaxExpandedTotal+len(in) {
		t.Errorf("%d capped, %d bytes in all", capped, total)
	}
	// Small expansions are untouched (and the godotenv equivalence tests
	// check they match it).
	if v := f.Vars[3]; v.Name != "L3" || len(v.Value) != 10000 || v.ExpandErr != "" || !v.Expanded {
		t.Errorf("L3: %d bytes, err %q", len(v.Value), v.ExpandErr)
	}
	issues := Hygiene(f, []byte(in), HygieneOptions{Identify: prefixIdentify})
	n := 0
	for _, is := range issues {
		if is.Check == CheckExpansionCapped {
			n++
			if is.Code != CodeEnvFormat || is.Severity != SeverityError {
				t.Errorf("issue %+v", is)
			}
		}
	}
	if n != capped {
		t.Errorf("%d expansion issues for %d capped variables", n, capped)
	}

	deep := Parse(".env", []byte(deepChain(MaxExpandDepth+3)))
	for i, v := range deep.Vars {
		if refused := v.ExpandErr != ""; refused != (i > MaxExpandDepth) {
			t.Errorf("%s (depth %d): ExpandErr %q", v.Name, i, v.ExpandErr)
		}
	}
}

// FuzzExpand checks that no input makes a value grow past the caps, and
// that below them values are godotenv's. Run it with a short minimization
// time: each input expands up to the caps, and minimizing one with the
// default 60 s stalls the run (no execs for a minute):
//
//	go test ./envscan -run XXX -fuzz FuzzExpand -fuzzminimizetime 2s
func FuzzExpand(f *testing.F) {
	f.Add([]byte(laughs(30)))
	f.Add([]byte(laughs(5)))
	f.Add([]byte(deepChain(MaxExpandDepth + 2)))
	f.Add([]byte("A=aaaa\nB=\"${A}$A\\${A}$(A)${A\"\nC=${B}${B}${UNSET}\n"))
	f.Add([]byte("A=x\nA=${A}${A}\nA=${A}${A}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		file := Parse("fuzz.env", in)
		total := 0
		for _, v := range file.Vars {
			if len(v.Value) > max(len(in), MaxExpandedValue) {
				t.Fatalf("%s grew to %d bytes from a %d-byte input", v.Name, len(v.Value), len(in))
			}
			total += len(v.Value)
		}
		if total > len(in)*len(file.Vars)+MaxExpandedTotal {
			t.Fatalf("values total %d bytes", total)
		}
		checkPositions(t, in, file)
		checkEquivalent(t, in) // skips godotenv when a cap was hit
	})
}
