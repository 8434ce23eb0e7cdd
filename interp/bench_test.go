package interp

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/descentlab/descent/optimlib/tensor"
)

// cpuTime is the CPU time the process has used. The machine that runs the
// benchmarks is shared, so wall time per operation overstates the cost;
// the benchmarks also report CPU milliseconds per operation.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cell50 is a 50-line cell as lectures write them: a type with methods, a
// function, a loop and a final expression.
var cell50 = `type Quad struct {
	A, B, C float64
}

func (q Quad) F(x float64) float64 { return q.A*x*x + q.B*x + q.C }

func (q Quad) Grad(x float64) float64 { return 2*q.A*x + q.B }

func descend(q Quad, x0, lr float64, steps int) (float64, []float64) {
	x := x0
	hist := make([]float64, 0, steps)
	for i := range steps {
		g := q.Grad(x)
		x -= lr * g
		if i%10 == 0 {
			hist = append(hist, q.F(x))
		}
	}
	return x, hist
}

q := Quad{A: 1, B: -4, C: 4}
lrs := []float64{0.01, 0.1, 0.5}
best := math.Inf(1)
for _, lr := range lrs {
	x, hist := descend(q, 0, lr, 5)
	if len(hist) > 0 && hist[len(hist)-1] < best {
		best = hist[len(hist)-1]
	}
	_ = x
}
type Summary struct {
	Best  float64
	Count int
}

func (s Summary) String() string {
	return fmt.Sprintf("best %.3f over %d runs", s.Best, s.Count)
}

sum := Summary{Best: best, Count: len(lrs)}
labels := []string{}
for i := range 3 {
	labels = append(labels, fmt.Sprint("run", i))
}
total := 0.0
for _, v := range []float64{1, 2, 3} {
	total += max(v, 0)
}
sum`

func BenchmarkExecute50LineCell(b *testing.B) {
	if n := strings.Count(cell50, "\n") + 1; n != 50 {
		b.Fatalf("cell has %d lines", n)
	}
	s, err := NewSession(Options{})
	if err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	for b.Loop() {
		if _, err := s.Execute(context.Background(), cell50); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkComplete(b *testing.B) {
	s, err := NewSession(Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.Execute(context.Background(), fmt.Sprintf("var v%d = %d", i, i)); err != nil {
			b.Fatal(err)
		}
	}
	start := cpuTime()
	for b.Loop() {
		s.Complete("x := mat.NewD", 13)
		s.Complete("v", 1)
	}
	reportCPU(b, start)
}

func BenchmarkInspect(b *testing.B) {
	s, err := NewSession(Options{})
	if err != nil {
		b.Fatal(err)
	}
	s.Inspect("fmt.Println", 6, 0) // loads the index
	start := cpuTime()
	for b.Loop() {
		s.Inspect("mat.NewDense", 8, 0)
	}
	reportCPU(b, start)
}

func BenchmarkNewSession(b *testing.B) {
	for b.Loop() {
		if _, err := NewSession(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// The training-loop pair compares a loop written in a cell that calls
// compiled optimlib code once per step with the same loop compiled; the
// ratio of their times is the interpretation overhead.

const trainSteps = 200

func BenchmarkTrainingLoopCell(b *testing.B) {
	s, err := NewSession(Options{})
	if err != nil {
		b.Fatal(err)
	}
	setup := "a := tensor.New(make([]float64, 128*128), 128, 128)\nw := tensor.New(make([]float64, 128*128), 128, 128)"
	if _, err := s.Execute(context.Background(), setup); err != nil {
		b.Fatal(err)
	}
	loop := fmt.Sprintf("for step := range %d {\n\tw = tensor.MatMul(a, w)\n\t_ = step\n}", trainSteps)
	start := cpuTime()
	for b.Loop() {
		if _, err := s.Execute(context.Background(), loop); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkTrainingLoopCompiled(b *testing.B) {
	a := tensor.New(make([]float64, 128*128), 128, 128)
	w := tensor.New(make([]float64, 128*128), 128, 128)
	start := cpuTime()
	for b.Loop() {
		for step := range trainSteps {
			w = tensor.MatMul(a, w)
			_ = step
		}
	}
	reportCPU(b, start)
}
