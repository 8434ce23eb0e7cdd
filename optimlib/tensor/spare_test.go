package tensor

import (
	"math/rand"
	"testing"
)

// TestBackwardReusesDroppedGradient checks the gradient storage that
// ZeroGrad keeps: the next Backward computes a weight's gradient into it,
// with the values a fresh computation gives, and never when the gradient
// was the user's (SetGrad), when Grad or a recorded backward runs, or when
// the weight is used twice.
func TestBackwardReusesDroppedGradient(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	x := Randn(rng, 5, 4)
	w := Randn(rng, 3, 4).SetRequiresGrad(true)
	b := Randn(rng, 3).SetRequiresGrad(true)
	loss := func() *Tensor { return Sum(Square(Linear(x, w, b))) }
	fresh := func() *Tensor {
		w2 := w.Detach().Clone().SetRequiresGrad(true)
		l := Sum(Square(Linear(x, w2, b.Detach())))
		l.Backward()
		return w2.Grad()
	}
	loss().Backward()
	first := &w.Grad().Data()[0]
	w.ZeroGrad()
	if w.Grad() != nil {
		t.Fatal("Grad after ZeroGrad is not nil")
	}
	loss().Backward()
	if &w.Grad().Data()[0] != first {
		t.Error("Backward after ZeroGrad did not reuse the dropped gradient's storage")
	}
	if !Equal(w.Grad(), fresh(), 0) {
		t.Errorf("gradient in reused storage %v, want %v", w.Grad(), fresh())
	}

	// Grad (torch.autograd.grad) must not take the storage: its result is
	// the caller's.
	w.ZeroGrad()
	g := Grad(loss(), []*Tensor{w}, false)[0]
	if &g.Data()[0] == first {
		t.Error("Grad returned the parameter's spare storage")
	}
	loss().Backward()
	if &w.Grad().Data()[0] != first || !Equal(g, w.Grad(), 0) {
		t.Error("Backward after Grad: storage not reused or values differ")
	}

	// A recorded backward leaves the storage alone.
	w.ZeroGrad()
	loss().BackwardWith(nil, true)
	if &w.Grad().Data()[0] == first {
		t.Error("Backward with createGraph wrote into the spare storage")
	}

	// A gradient set by the user is never recycled.
	mine := Ones(3, 4)
	w.SetGrad(mine)
	w.ZeroGrad()
	loss().Backward()
	if &w.Grad().Data()[0] == &mine.Data()[0] || mine.Data()[0] != 1 {
		t.Error("Backward wrote into a gradient given with SetGrad")
	}

	// The weight used twice: the gradients of both uses add up.
	twice := func() *Tensor { return Add(Sum(Square(Linear(x, w, nil))), Sum(Linear(x, w, nil))) }
	twice().Backward()
	w.ZeroGrad()
	twice().Backward()
	w2 := w.Detach().Clone().SetRequiresGrad(true)
	Add(Sum(Square(Linear(x, w2, nil))), Sum(Linear(x, w2, nil))).Backward()
	if !Equal(w.Grad(), w2.Grad(), 1e-12) {
		t.Errorf("weight used twice: gradient %v, want %v", w.Grad(), w2.Grad())
	}

	// MatMul with a parameter operand reuses its storage too.
	v := Randn(rng, 4, 2).SetRequiresGrad(true)
	Sum(MatMul(x, v)).Backward()
	vfirst := &v.Grad().Data()[0]
	v.ZeroGrad()
	Sum(Square(MatMul(x, v))).Backward()
	v2 := v.Detach().Clone().SetRequiresGrad(true)
	Sum(Square(MatMul(x, v2))).Backward()
	if &v.Grad().Data()[0] != vfirst || !Equal(v.Grad(), v2.Grad(), 0) {
		t.Errorf("MatMul parameter: reused %v, gradient %v, want %v", &v.Grad().Data()[0] == vfirst, v.Grad(), v2.Grad())
	}
}
