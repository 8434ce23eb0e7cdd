package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/descentlab/descent/optimlib/data"
)

// TestStepsCellMatchesCompiled runs each lecture-scale cell through the
// interpreter and checks that it follows the compiled loop's trajectory:
// the benchmark compares the two, so they must do the same work.
func TestStepsCellMatchesCompiled(t *testing.T) {
	for _, sp := range []struct {
		problem, method string
		lr              float64
	}{
		{"quad", "gd", 0.1},
		{"quad", "adam", 0.01},
		{"rosen", "gd", 5e-4},
		{"rosen", "adam", 0.01},
	} {
		t.Run(sp.problem+"/"+sp.method, func(t *testing.T) {
			setup, loop := stepsCells(sp.problem, sp.method, sp.lr, 50)
			cell, _, err := runCells(setup, loop)
			if err != nil {
				t.Fatal(err)
			}
			got := num(cell["loss"])
			want := num(compiledSteps(sp.problem, sp.method, sp.lr, 50)["loss"])
			if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("cell's final loss %.17g, compiled loop's %.17g", got, want)
			}
		})
	}
}

// TestMLPCellMatchesCompiled trains the MLP for a few batches from a cell
// and compiled, from the same weights, and compares the mean losses.
func TestMLPCellMatchesCompiled(t *testing.T) {
	if _, err := os.Stat(filepath.Join(data.FashionMNISTDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skip("Fashion-MNIST is not installed:", err)
	}
	initFile := filepath.Join(t.TempDir(), "init.f64")
	writeInit(t, initFile)
	args := []string{"--init", initFile, "--samples", "256", "--batch", "64"}
	cell, err := mlpTask(newFlags(), args, true)()
	if err != nil {
		t.Fatal(err)
	}
	comp, err := mlpTask(newFlags(), args, false)()
	if err != nil {
		t.Fatal(err)
	}
	if num(cell["samples"]) != 256 || num(comp["samples"]) != 256 {
		t.Fatalf("samples: cell %v, compiled %v, want 256", cell["samples"], comp["samples"])
	}
	if a, b := num(cell["loss"]), num(comp["loss"]); math.Abs(a-b) > 1e-12 {
		t.Errorf("mean loss: cell %.17g, compiled %.17g", a, b)
	}
}

// writeInit writes deterministic initial weights for the MLP.
func writeInit(t *testing.T, path string) {
	t.Helper()
	n := 256*785 + 2570
	b := make([]byte, 8*n)
	for i := 0; i < n; i++ {
		v := 0.03 * math.Sin(float64(i))
		bits := math.Float64bits(v)
		for k := 0; k < 8; k++ {
			b[8*i+k] = byte(bits >> (8 * k))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := readFloats(path)
	if err != nil || len(w) != n || w[1] != 0.03*math.Sin(1) {
		t.Fatalf("readFloats does not read back what was written: %v", err)
	}
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return math.NaN()
}
