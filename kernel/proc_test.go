package kernel

import (
	"os"
	"strings"
	"testing"
)

func TestExplainCrash(t *testing.T) {
	tests := []struct {
		file, kill string
		name       string
		cause      string
		firstLine  string
	}{
		{"panic.txt", "", "Panic", "a goroutine panicked: boom in a goroutine", "panic: boom in a goroutine [recovered, repanicked]"},
		{"stack_overflow.txt", "", "StackOverflow", "stack overflow", "runtime: goroutine stack exceeds 268435456-byte limit"},
		{"out_of_memory.txt", "", "OutOfMemory", "out of memory", "fatal error: runtime: out of memory"},
		{"fatal.txt", "", "FatalError", "fatal error: concurrent map writes", "fatal error: concurrent map writes"},
		{"panic.txt", "out of memory: the session used 2000 MiB", "OutOfMemory", "out of memory: the session used 2000 MiB", "panic: boom in a goroutine [recovered, repanicked]"},
		{"panic.txt", "the cell did not stop", "Interrupted", "the cell did not stop", "panic: boom in a goroutine [recovered, repanicked]"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.name, func(t *testing.T) {
			tail, err := os.ReadFile("testdata/crash/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			c := explainCrash(tt.kill, tail, nil)
			if c.Name != tt.name || !strings.HasPrefix(c.Cause, tt.cause) {
				t.Errorf("explainCrash = %+v, want name %s, cause %q", c, tt.name, tt.cause)
			}
			if len(c.Detail) == 0 || c.Detail[0] != tt.firstLine {
				t.Errorf("detail = %q, want it to start with %q", c.Detail, tt.firstLine)
			}
			for _, l := range c.Detail {
				if strings.Contains(l, "goroutine 30") || strings.Contains(l, "runtime.throw") {
					t.Errorf("detail includes stack lines: %q", c.Detail)
				}
			}
		})
	}
	if c := explainCrash("", []byte("just text\n"), nil); c.Name != "Exited" || len(c.Detail) != 0 {
		t.Errorf("no crash report: %+v", c)
	}
}

func TestParseMemoryLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1073741824", 1 << 30, true},
		{"1G", 1 << 30, true},
		{"1GiB", 1 << 30, true},
		{"512m", 512 << 20, true},
		{"1.5G", 3 << 29, true},
		{"64K", 64 << 10, true},
		{"lots", 0, false},
		{"-1G", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseMemoryLimit(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMemoryLimit(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCrashReportStart(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", -1},
		{"plain output\n", -1},
		{"fatal error: stack overflow\n", 0},
		{"loss 1\nruntime: goroutine stack exceeds 1000-byte limit\n", 7},
		{"x\npanic: boom [recovered]\n", 2},
		{"no panic: here\n", -1},
		{"panic in goroutine: recovered by the session\n", -1},
	}
	for _, tt := range tests {
		if got := crashReportStart([]byte(tt.in)); got != tt.want {
			t.Errorf("crashReportStart(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
