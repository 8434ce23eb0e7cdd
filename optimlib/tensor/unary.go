package tensor

import (
	"fmt"
	"math"
)

// unary returns f applied to every element of t, without recording.
func unary(t *Tensor, f func(float64) float64) *Tensor {
	out := &Tensor{data: make([]float64, len(t.data)), shape: append([]int(nil), t.shape...)}
	for i, v := range t.data {
		out.data[i] = f(v)
	}
	return out
}

// Neg returns −t.
func Neg(t *Tensor) *Tensor {
	out := unary(t, func(v float64) float64 { return -v })
	return record(out, "Neg", func(g *Tensor) []*Tensor { return []*Tensor{Neg(g)} }, t)
}

// AddScalar returns t + s.
func AddScalar(t *Tensor, s float64) *Tensor {
	out := unary(t, func(v float64) float64 { return v + s })
	return record(out, "AddScalar", func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
}

// MulScalar returns s·t.
func MulScalar(t *Tensor, s float64) *Tensor {
	out := unary(t, func(v float64) float64 { return v * s })
	return record(out, "MulScalar", func(g *Tensor) []*Tensor { return []*Tensor{MulScalar(g, s)} }, t)
}

// PowScalar returns t raised elementwise to the power p.
func PowScalar(t *Tensor, p float64) *Tensor {
	switch p {
	case 1:
		return mulScalarOp(t, 1, "PowScalar")
	case 2:
		return Square(t)
	}
	out := unary(t, func(v float64) float64 { return math.Pow(v, p) })
	return record(out, "PowScalar", func(g *Tensor) []*Tensor {
		if p == 0 {
			return []*Tensor{Zeros(t.shape...)}
		}
		// d tᵖ = p·tᵖ⁻¹.
		return []*Tensor{Mul(g, MulScalar(PowScalar(t, p-1), p))}
	}, t)
}

// mulScalarOp is MulScalar recorded under another name.
func mulScalarOp(t *Tensor, s float64, op string) *Tensor {
	out := unary(t, func(v float64) float64 { return v * s })
	return record(out, op, func(g *Tensor) []*Tensor { return []*Tensor{MulScalar(g, s)} }, t)
}

// Square returns t² elementwise.
func Square(t *Tensor) *Tensor {
	out := unary(t, func(v float64) float64 { return v * v })
	return record(out, "Square", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, MulScalar(t, 2))}
	}, t)
}

// Exp returns eᵗ elementwise.
func Exp(t *Tensor) *Tensor {
	out := unary(t, math.Exp)
	return record(out, "Exp", func(g *Tensor) []*Tensor { return []*Tensor{Mul(g, out)} }, t)
}

// Log returns the natural logarithm elementwise.
func Log(t *Tensor) *Tensor {
	out := unary(t, math.Log)
	return record(out, "Log", func(g *Tensor) []*Tensor { return []*Tensor{Div(g, t)} }, t)
}

// Sqrt returns √t elementwise.
func Sqrt(t *Tensor) *Tensor {
	out := unary(t, math.Sqrt)
	return record(out, "Sqrt", func(g *Tensor) []*Tensor {
		return []*Tensor{Div(g, MulScalar(out, 2))}
	}, t)
}

// Abs returns |t| elementwise; its derivative at 0 is 0, as in PyTorch.
func Abs(t *Tensor) *Tensor {
	out := unary(t, math.Abs)
	return record(out, "Abs", func(g *Tensor) []*Tensor {
		m := make([]float64, len(t.data))
		for i, v := range t.data {
			m[i] = sign(v)
		}
		return []*Tensor{gate(g, m)}
	}, t)
}

// Sign returns −1, 0 or 1 by the sign of each element. Its derivative is 0.
func Sign(t *Tensor) *Tensor {
	out := unary(t, sign)
	return record(out, "Sign", func(g *Tensor) []*Tensor { return []*Tensor{Zeros(t.shape...)} }, t)
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	case v == 0:
		return 0
	}
	return v
}

// gate returns g ⊙ m for a constant m of g's size: the derivative of a
// piecewise-linear operation (a 0/1 mask or slopes), applied to the output
// gradient in one pass. Entries where m is 0 are 0 even when g is not
// finite, as PyTorch's threshold backward gives. gate is linear in g and
// differentiates into itself.
func gate(g *Tensor, m []float64) *Tensor {
	out := &Tensor{data: make([]float64, len(g.data)), shape: append([]int(nil), g.shape...)}
	for i, v := range g.data {
		if m[i] != 0 {
			out.data[i] = v * m[i]
		}
	}
	return record(out, "Gate", func(gg *Tensor) []*Tensor { return []*Tensor{gate(gg, m)} }, g)
}

// reluGate returns g where ReLU's output y is nonzero and 0 elsewhere:
// ReLU's derivative applied to g without building its mask. It is linear in
// g and differentiates into itself. Since y ≥ 0 (or NaN), y ≠ 0 is tested on
// its bits, without a branch that random signs would mispredict.
func reluGate(g *Tensor, y []float64) *Tensor {
	out := &Tensor{data: make([]float64, len(g.data)), shape: append([]int(nil), g.shape...)}
	y = y[:len(g.data)]
	for i, v := range g.data {
		b := math.Float64bits(y[i])
		keep := -((b | -b) >> 63) // all ones when b ≠ 0
		out.data[i] = math.Float64frombits(math.Float64bits(v) & keep)
	}
	return record(out, "ReLUBackward", func(gg *Tensor) []*Tensor { return []*Tensor{reluGate(gg, y)} }, g)
}

// Clamp limits every element to [lo, hi]. The gradient passes where
// lo ≤ t ≤ hi, as in PyTorch.
func Clamp(t *Tensor, lo, hi float64) *Tensor {
	if lo > hi {
		panic(fmt.Errorf("tensor: Clamp: lower bound %g above upper bound %g", lo, hi))
	}
	out := unary(t, func(v float64) float64 { return math.Min(math.Max(v, lo), hi) })
	return record(out, "Clamp", func(g *Tensor) []*Tensor {
		m := make([]float64, len(t.data))
		for i, v := range t.data {
			m[i] = b2f(v >= lo && v <= hi)
		}
		return []*Tensor{gate(g, m)}
	}, t)
}

// ReLU returns max(t, 0) elementwise; its derivative at 0 is 0.
func ReLU(t *Tensor) *Tensor {
	out := &Tensor{data: make([]float64, len(t.data)), shape: append([]int(nil), t.shape...)}
	for i, v := range t.data {
		out.data[i] = max(v, 0) // branch-free; NaN stays NaN
	}
	return record(out, "ReLU", func(g *Tensor) []*Tensor { return []*Tensor{reluGate(g, out.data)} }, t)
}

// LeakyReLU returns t where t > 0 and slope·t elsewhere.
func LeakyReLU(t *Tensor, slope float64) *Tensor {
	out := &Tensor{data: make([]float64, len(t.data)), shape: append([]int(nil), t.shape...)}
	for i, v := range t.data {
		if v > 0 {
			out.data[i] = v
		} else {
			out.data[i] = slope * v
		}
	}
	return record(out, "LeakyReLU", func(g *Tensor) []*Tensor {
		m := make([]float64, len(t.data))
		for i, v := range t.data {
			if v > 0 {
				m[i] = 1
			} else {
				m[i] = slope
			}
		}
		return []*Tensor{gate(g, m)}
	}, t)
}

// Tanh returns the hyperbolic tangent elementwise.
func Tanh(t *Tensor) *Tensor {
	out := unary(t, math.Tanh)
	return record(out, "Tanh", func(g *Tensor) []*Tensor {
		// tanh' = 1 − tanh².
		return []*Tensor{Mul(g, AddScalar(Neg(Square(out)), 1))}
	}, t)
}

// Sigmoid returns 1/(1+e⁻ᵗ) elementwise.
func Sigmoid(t *Tensor) *Tensor {
	out := unary(t, func(v float64) float64 {
		if v >= 0 {
			return 1 / (1 + math.Exp(-v))
		}
		e := math.Exp(v)
		return e / (1 + e)
	})
	return record(out, "Sigmoid", func(g *Tensor) []*Tensor {
		// σ' = σ(1 − σ).
		return []*Tensor{Mul(g, Mul(out, AddScalar(Neg(out), 1)))}
	}, t)
}

// erf returns the error function elementwise.
func erf(t *Tensor) *Tensor {
	out := unary(t, math.Erf)
	return record(out, "Erf", func(g *Tensor) []*Tensor {
		// erf'(x) = 2/√π · e^(−x²).
		return []*Tensor{Mul(g, MulScalar(Exp(Neg(Square(t))), 2/math.Sqrt(math.Pi)))}
	}, t)
}

// GELU returns x·Φ(x) elementwise, with Φ the standard normal distribution
// function (the exact form, PyTorch's default).
func GELU(t *Tensor) *Tensor {
	out := unary(t, func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) })
	return record(out, "GELU", func(g *Tensor) []*Tensor {
		// GELU'(x) = Φ(x) + x·φ(x).
		phiCDF := MulScalar(AddScalar(erf(MulScalar(t, 1/math.Sqrt2)), 1), 0.5)
		phiPDF := MulScalar(Exp(MulScalar(Square(t), -0.5)), 1/math.Sqrt(2*math.Pi))
		return []*Tensor{Mul(g, Add(phiCDF, Mul(t, phiPDF)))}
	}, t)
}

// Softmax returns exp(t) normalized to sum 1 along axis.
func Softmax(t *Tensor, axis int) *Tensor {
	ax := t.axis(axis, "Softmax")
	out := logSoftmax(t, ax)
	for i, v := range out.data {
		out.data[i] = math.Exp(v)
	}
	return record(out, "Softmax", func(g *Tensor) []*Tensor {
		// dx = s ⊙ (g − Σ g⊙s).
		return []*Tensor{Mul(out, Sub(g, SumAxis(Mul(g, out), ax, true)))}
	}, t)
}

// LogSoftmax returns t − log Σ exp(t) along axis, computed stably.
func LogSoftmax(t *Tensor, axis int) *Tensor {
	ax := t.axis(axis, "LogSoftmax")
	out := logSoftmax(t, ax)
	return record(out, "LogSoftmax", func(g *Tensor) []*Tensor {
		// dx = g − softmax ⊙ Σ g.
		return []*Tensor{Sub(g, Mul(Exp(out), SumAxis(g, ax, true)))}
	}, t)
}

// logSoftmax computes the values of LogSoftmax without recording.
func logSoftmax(t *Tensor, ax int) *Tensor {
	outer, n, inner := splitAt(t.shape, ax)
	out := &Tensor{data: make([]float64, len(t.data)), shape: append([]int(nil), t.shape...)}
	if n == 0 {
		return out
	}
	x := t.data
	for o := 0; o < outer; o++ {
		base := o * n * inner
		for i := 0; i < inner; i++ {
			m := math.Inf(-1)
			for k := 0; k < n; k++ {
				m = math.Max(m, x[base+k*inner+i])
			}
			if math.IsInf(m, -1) {
				m = 0
			}
			s := 0.0
			for k := 0; k < n; k++ {
				s += math.Exp(x[base+k*inner+i] - m)
			}
			lse := m + math.Log(s)
			for k := 0; k < n; k++ {
				out.data[base+k*inner+i] = x[base+k*inner+i] - lse
			}
		}
	}
	return out
}

// splitAt views shape as (outer, shape[ax], inner).
func splitAt(shape []int, ax int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:ax] {
		outer *= d
	}
	for _, d := range shape[ax+1:] {
		inner *= d
	}
	return outer, shape[ax], inner
}
