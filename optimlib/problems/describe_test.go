package problems

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
	"gonum.org/v1/gonum/mat"
)

func TestFunc2D(t *testing.T) {
	for _, p := range []Problem{Rosenbrock{N: 2}, OneOneOne{}, NewDiagQuadratic(2, 1, 10)} {
		f := Func2D(p)
		for _, w := range [][2]float64{{0, 0}, {-1.2, 1}, {0.5, 2}} {
			if got, want := f(w[0], w[1]), p.Func(w[:]); got != want {
				t.Errorf("%v: Func2D at %v = %g, Func %g", p, w, got, want)
			}
		}
	}
	defer func() {
		err, _ := recover().(error)
		if err == nil || !strings.Contains(err.Error(), "problems: Func2D: problem has 3 variables") {
			t.Errorf("panic %v, want one naming Func2D and the 3 variables", err)
		}
	}()
	Func2D(Rosenbrock{N: 3})
}

func TestStrings(t *testing.T) {
	q := NewDiagQuadratic(3, 1, 10)
	cases := []struct {
		p    Problem
		want string
	}{
		{q, "Quadratic(n=3): f(w) = ½ wᵀAw − bᵀw"},
		{NewNoisyQuadratic(q, 0.5, rand.New(rand.NewSource(1))), "NoisyQuadratic(n=3, σ=0.5): f(w) = ½ wᵀAw − bᵀw, gradient noise on b"},
		{Rosenbrock{}, "Rosenbrock(n=2): f(w) = Σ 100 (w_{i+1} − w_i²)² + (1 − w_i)²"},
		{NewLogistic(mat.NewDense(4, 2, nil), make([]float64, 4), 0.1), "Logistic(4 examples, 2 features, λ=0.1)"},
		{OneOneOne{}, "OneOneOne: L(w) = (1 − w1·w2)²"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(c.p); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// gdStepper is plain gradient descent on one tensor, enough to drive
// Trajectory without package optim.
type gdStepper struct {
	w  *tensor.Tensor
	lr float64
}

func (s gdStepper) Step(closure func() float64) float64 {
	f := closure()
	for i, g := range s.w.Grad().Data() {
		s.w.Data()[i] -= s.lr * g
	}
	return f
}

func TestTrajectoryAndPath2D(t *testing.T) {
	q := NewDiagQuadratic(2, 1, 4) // A = diag(1, 4), b = (1, 1)
	w := tensor.New([]float64{3, -1})
	ws := Trajectory(q, w, gdStepper{w, 0.1}, 3)
	if len(ws) != 4 {
		t.Fatalf("%d iterates, want 4", len(ws))
	}
	want := []float64{3, -1}
	for k, got := range ws {
		if got[0] != want[0] || got[1] != want[1] {
			t.Errorf("w_%d = %v, want %v", k, got, want)
		}
		want = []float64{want[0] - 0.1*(want[0]-1), want[1] - 0.1*(4*want[1]-1)}
	}
	w2 := tensor.New([]float64{3, -1})
	path := Path2D(q, w2, gdStepper{w2, 0.1}, 3)
	for k, p := range path {
		if p[0] != ws[k][0] || p[1] != ws[k][1] {
			t.Errorf("Path2D point %d = %v, Trajectory %v", k, p, ws[k])
		}
	}
	ws[0][0] = 99
	if w.Data()[0] == 99 || ws[1][0] == 99 {
		t.Error("iterates share storage")
	}

	for _, c := range []struct {
		want string
		f    func()
	}{
		{"problems: Path2D: problem has 3 variables, want 2", func() {
			w := tensor.Zeros(3)
			Path2D(Rosenbrock{N: 3}, w, gdStepper{w, 0.1}, 1)
		}},
		{"problems: Trajectory: tensor of shape [3] for a problem in 2 variables", func() {
			w := tensor.Zeros(3)
			Trajectory(q, w, gdStepper{w, 0.1}, 1)
		}},
	} {
		func() {
			defer func() {
				err, _ := recover().(error)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("panic %v, want %q", err, c.want)
				}
			}()
			c.f()
		}()
	}
}
