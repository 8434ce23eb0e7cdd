package kernel

import (
	"path/filepath"
	"reflect"
	"testing"
)

func sources(es []HistoryEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Source)
	}
	return out
}

func TestHistoryPersistsAcrossSessions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "descent", "history.jsonl")
	h := OpenHistory(file)
	if h.Session() != 1 {
		t.Fatalf("first session = %d, want 1", h.Session())
	}
	h.Add(1, "x := 1", "")
	h.Add(2, "x + 1", "")
	h.SetOutput(2, "2")

	h2 := OpenHistory(file)
	if h2.Session() != 2 {
		t.Fatalf("second session = %d, want 2", h2.Session())
	}
	h2.Add(1, "y := 2", "")
	got := h2.Tail(3)
	want := []HistoryEntry{{1, 1, "x := 1", ""}, {1, 2, "x + 1", ""}, {2, 1, "y := 2", ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tail = %+v, want %+v", got, want)
	}
	if got := h.Tail(1); got[0].Output != "2" {
		t.Errorf("output of the current session = %q, want 2", got[0].Output)
	}
}

func TestHistoryQueries(t *testing.T) {
	h := OpenHistory("")
	for i, src := range []string{"6*7", "a := 1", "6*7", "fmt.Println(a/2)", "6*7", "b := 6*8*7"} {
		h.Add(i+1, src, "")
	}
	tests := []struct {
		name string
		got  []HistoryEntry
		want []string
	}{
		{"tail 2", h.Tail(2), []string{"6*7", "b := 6*8*7"}},
		{"tail all", h.Tail(0), []string{"6*7", "a := 1", "6*7", "fmt.Println(a/2)", "6*7", "b := 6*8*7"}},
		{"range", h.Range(h.Session(), 2, 4), []string{"a := 1", "6*7"}},
		{"range current session by 0", h.Range(0, 5, 0), []string{"6*7", "b := 6*8*7"}},
		{"range other session", h.Range(-1, 1, 10), []string{}},
		{"search glob", h.Search("6*7", 0, false), []string{"6*7", "6*7", "6*7"}},
		{"search star", h.Search("*6*7*", 0, false), []string{"6*7", "6*7", "6*7", "b := 6*8*7"}},
		{"search unique", h.Search("*6*7*", 0, true), []string{"6*7", "b := 6*8*7"}},
		{"search n", h.Search("6*7", 2, false), []string{"6*7", "6*7"}},
		{"search slash", h.Search("*a/2*", 0, false), []string{"fmt.Println(a/2)"}},
		{"search question mark", h.Search("a := ?", 0, false), []string{"a := 1"}},
		{"search none", h.Search("nothing", 0, false), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sources(tt.got); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	last := h.Search("6*7", 1, false)
	if len(last) != 1 || last[0].Line != 5 {
		t.Errorf("search n=1 = %+v, want line 5 (the latest)", last)
	}
}
