package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{9, 9, 1, 1, 5}, 5},
	}
	for _, tc := range tests {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

func TestMedianLeavesInputAlone(t *testing.T) {
	xs := []float64{3, 1, 2}
	median(xs)
	if xs[0] != 3 || xs[1] != 1 || xs[2] != 2 {
		t.Errorf("median reordered its input: %v", xs)
	}
}

func TestFmtNum(t *testing.T) {
	tests := []struct {
		x    float64
		want string
	}{
		{0, "0"},
		{12, "12"},
		{12345.6, "12346"},
		{123.4, "123"},
		{12.34, "12.3"},
		{1.234, "1.23"},
		{0.1234, "0.123"},
		{0.001234, "1.23e-03"},
		{-2.5, "-2.50"},
	}
	for _, tc := range tests {
		if got := fmtNum(tc.x); got != tc.want {
			t.Errorf("fmtNum(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}

func TestVariantMedianAndRatio(t *testing.T) {
	a := &variant{name: "a", runs: []map[string]any{{"rate": 10.0, "round": 0.0}, {"rate": 30.0, "round": 1.0}, {"rate": 20.0, "round": 2.0}}}
	// b failed in round 1: the ratio pairs rounds 0 and 2 only.
	b := &variant{name: "b", runs: []map[string]any{{"rate": 8.0, "round": 0.0}, {"rate": 10.0, "round": 2.0}}}
	failed := &variant{name: "c", errs: []string{"boom"}}
	if m, n := a.median("rate"); m != 20 || n != 3 {
		t.Errorf("median = %v over %d runs, want 20 over 3", m, n)
	}
	if lo, hi := a.spread("rate"); lo != 10 || hi != 30 {
		t.Errorf("spread = %v–%v, want 10–30", lo, hi)
	}
	if got := ratio(a, b, "rate"); got != "1.62×" {
		t.Errorf("ratio = %q, want 1.62× (the median of 10/8 and 20/10)", got)
	}
	if got, want := ratioVerdict(a, b, "rate", 1.6), "**met**: 1.625×, the median of 2 ratios, one per round (1.25–2.00); the ratio of the medians is 2.22×"; got != want {
		t.Errorf("ratioVerdict = %q, want %q", got, want)
	}
	if got := ratioVerdict(a, b, "rate", 1.7); !strings.HasPrefix(got, "**not met**: 1.625×") {
		t.Errorf("ratioVerdict against 1.7 = %q", got)
	}
	if got := ratioVerdict(a, failed, "rate", 1); got != "not measured" {
		t.Errorf("ratioVerdict with a failed variant = %q", got)
	}
	if got := ratio(a, failed, "rate"); got != "—" {
		t.Errorf("ratio with a failed variant = %q, want —", got)
	}
	if got := med(failed, "rate"); got != "failed" {
		t.Errorf("med of a failed variant = %q, want failed", got)
	}
	if got := failed.failure(); got != "boom" {
		t.Errorf("failure = %q, want boom", got)
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		x      float64
		ok     bool
		target float64
		want   string
	}{
		{1.3, true, 1.25, "**met** (1.30×)"},
		{1.2, true, 1.25, "**not met** (1.20×)"},
		{0, false, 1.25, "not measured"},
	}
	for _, tc := range tests {
		if got := verdict(tc.x, tc.ok, tc.target); got != tc.want {
			t.Errorf("verdict(%v, %v, %v) = %q, want %q", tc.x, tc.ok, tc.target, got, tc.want)
		}
	}
}

// TestReportRendersEveryItem renders a report from canned results and checks
// that each section, figure and failure shows up.
func TestReportRendersEveryItem(t *testing.T) {
	mk := func(id string, names ...string) *item {
		it := &item{id: id}
		for _, n := range names {
			it.variants = append(it.variants, &variant{name: n})
		}
		return it
	}
	mlp := mk("mlp", "go-purego", "go-default", "go-openblas", "cell", "torch")
	mlp.passes = 3
	for _, v := range mlp.variants {
		v.runs = []map[string]any{{"samples_per_s": 1000.0, "seconds": 60.0, "loss": 0.5}}
	}
	mlp.variants[2].runs[0]["samples_per_s"] = 1500.0
	mlp.variants[3].runs = nil
	mlp.variants[3].errs = []string{"worker cellmlp: setup cell: undefined: nn"}
	rep := report{
		c: &config{reps: 1},
		env: machine{cpu: "Test CPU", cores: 2, mhz: 2000, blas: map[string]string{}, python: map[string]any{},
			torchThreads: 1, sizes: sizesFor(false), kernelNote: "the descent command did not build"},
		items: map[string]*item{
			"mlp": mlp, "cnn": mk("cnn"), "steps": mk("steps"), "lbfgs": mk("lbfgs"), "hvp": mk("hvp"),
			"kernel": mk("kernel"), "matmul": mk("matmul"),
		},
		profs: []profile{{build: "default", err: "no samples"}},
	}
	var buf bytes.Buffer
	rep.write(&buf)
	out := buf.String()
	for _, want := range []string{
		"# Benchmarks", "Test CPU, 2 cores at 2000 MHz; peak 64.0 GFLOP/s",
		"the median over 1 separate runs (item 1's over 3: its target lies within the noise of one run, so each round runs it 3 times)",
		"## 1. MLP training", "| Go program, OpenBLAS (the default build) | 1500 |", "1.50×",
		"Target OpenBLAS build ≥ 1.25× PyTorch float64: **met**: 1.500×, the median of 1 ratio, one per round",
		"`cell` failed: worker cellmlp: setup cell: undefined: nn",
		"## 2. Small CNN", "## 3. Lecture scale", "## 4. L-BFGS", "## 5. Hessian-vector products",
		"## 6. Kernel round trips", "the descent command did not build", "## 7. Matrix multiply",
		"## CPU profile of the MLP step", "The profile on the AVX2 kernel failed: no samples",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out, "%!") {
		t.Errorf("report has a formatting error:\n%s", out)
	}
}
