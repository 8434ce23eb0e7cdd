package tensor

import "math"

// binop names a broadcasting elementwise kernel.
type binop int

const (
	opAdd binop = iota
	opSub
	opMul
	opDiv
	opMax
	opMin
	opGt
	opGe
	opLt
	opLe
	opEq
)

var binopNames = [...]string{"Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Gt", "Ge", "Lt", "Le", "Eq"}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// binaryRow applies op to a run of n elements: d[i] = x[i*xs] op y[i*ys].
func binaryRow(op binop, d, x []float64, xs int, y []float64, ys int) {
	n := len(d)
	if xs == 1 && ys == 1 {
		x, y = x[:n], y[:n]
		switch op {
		case opAdd:
			for i := range d {
				d[i] = x[i] + y[i]
			}
		case opSub:
			for i := range d {
				d[i] = x[i] - y[i]
			}
		case opMul:
			for i := range d {
				d[i] = x[i] * y[i]
			}
		case opDiv:
			for i := range d {
				d[i] = x[i] / y[i]
			}
		default:
			for i := range d {
				d[i] = binScalar(op, x[i], y[i])
			}
		}
		return
	}
	if ys == 0 {
		v := y[0]
		x = x[:(n-1)*xs+1]
		switch op {
		case opAdd:
			for i := range d {
				d[i] = x[i*xs] + v
			}
		case opSub:
			for i := range d {
				d[i] = x[i*xs] - v
			}
		case opMul:
			for i := range d {
				d[i] = x[i*xs] * v
			}
		case opDiv:
			for i := range d {
				d[i] = x[i*xs] / v
			}
		default:
			for i := range d {
				d[i] = binScalar(op, x[i*xs], v)
			}
		}
		return
	}
	for i := range d {
		d[i] = binScalar(op, x[i*xs], y[i*ys])
	}
}

func binScalar(op binop, a, b float64) float64 {
	switch op {
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	case opDiv:
		return a / b
	case opMax:
		if a >= b || math.IsNaN(a) {
			return a
		}
		return b
	case opMin:
		if a <= b || math.IsNaN(a) {
			return a
		}
		return b
	case opGt:
		return b2f(a > b)
	case opGe:
		return b2f(a >= b)
	case opLt:
		return b2f(a < b)
	case opLe:
		return b2f(a <= b)
	default:
		return b2f(a == b)
	}
}

// binary evaluates op over the broadcast of a and b, without recording.
func binary(op binop, a, b *Tensor) *Tensor {
	checkDense(binopNames[op], a, b)
	if sameShape(a.shape, b.shape) {
		out := &Tensor{data: make([]float64, len(a.data)), shape: append([]int(nil), a.shape...)}
		binaryRow(op, out.data, a.data, 1, b.data, 1)
		return out
	}
	shape := broadcastShapes(binopNames[op], a.shape, b.shape)
	out := Zeros(shape...)
	sa, sb := broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)
	forRows(shape, [][]int{contiguousStrides(shape), sa, sb}, func(o []int, n int, in []int) {
		d := out.data[o[0] : o[0]+n]
		if in[1] == 0 && in[2] != 0 && (op == opAdd || op == opMul) {
			binaryRow(op, d, b.data[o[2]:], in[2], a.data[o[1]:], 0)
			return
		}
		if in[1] == 0 && in[2] != 0 {
			v := a.data[o[1]]
			y := b.data[o[2]:]
			for i := range d {
				d[i] = binScalar(op, v, y[i*in[2]])
			}
			return
		}
		binaryRow(op, d, a.data[o[1]:], in[1], b.data[o[2]:], in[2])
	})
	return out
}

// Add returns a + b elementwise with NumPy broadcasting.
func Add(a, b *Tensor) *Tensor {
	out := binary(opAdd, a, b)
	return record(out, "Add", func(g *Tensor) []*Tensor {
		return []*Tensor{gradTo(g, a), gradTo(g, b)}
	}, a, b)
}

// Sub returns a − b elementwise with NumPy broadcasting.
func Sub(a, b *Tensor) *Tensor {
	out := binary(opSub, a, b)
	return record(out, "Sub", func(g *Tensor) []*Tensor {
		var gb *Tensor
		if b.requiresGrad {
			gb = Neg(sumTo(g, b.shape))
		}
		return []*Tensor{gradTo(g, a), gb}
	}, a, b)
}

// Mul returns a ⊙ b elementwise with NumPy broadcasting.
func Mul(a, b *Tensor) *Tensor {
	out := binary(opMul, a, b)
	return record(out, "Mul", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = sumTo(Mul(g, b), a.shape)
		}
		if b.requiresGrad {
			gb = sumTo(Mul(g, a), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Div returns a / b elementwise with NumPy broadcasting.
func Div(a, b *Tensor) *Tensor {
	out := binary(opDiv, a, b)
	return record(out, "Div", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = sumTo(Div(g, b), a.shape)
		}
		if b.requiresGrad {
			// d(a/b)/db = −a/b².
			gb = sumTo(Neg(Div(Mul(g, a), Square(b))), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Maximum returns the elementwise maximum of a and b with NumPy
// broadcasting. Where a and b tie, each receives half the gradient, as in
// PyTorch.
func Maximum(a, b *Tensor) *Tensor { return extremum(opMax, a, b) }

// Minimum returns the elementwise minimum of a and b with NumPy
// broadcasting. Where a and b tie, each receives half the gradient, as in
// PyTorch.
func Minimum(a, b *Tensor) *Tensor { return extremum(opMin, a, b) }

func extremum(op binop, a, b *Tensor) *Tensor {
	out := binary(op, a, b)
	return record(out, binopNames[op], func(g *Tensor) []*Tensor {
		// The share of a: 1 where a wins, ½ on ties, 0 where b wins.
		win := opGt
		if op == opMin {
			win = opLt
		}
		wa := binary(win, a, b)
		eq := binary(opEq, a, b)
		for i, e := range eq.data {
			wa.data[i] += e / 2
		}
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = sumTo(gate(g, wa.data), a.shape)
		}
		if b.requiresGrad {
			wb := make([]float64, len(wa.data))
			for i, v := range wa.data {
				wb[i] = 1 - v
			}
			gb = sumTo(gate(g, wb), b.shape)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// gradTo returns g summed to the shape of in, or nil when in needs no
// gradient.
func gradTo(g, in *Tensor) *Tensor {
	if in == nil || !in.requiresGrad {
		return nil
	}
	return sumTo(g, in.shape)
}

// Gt returns 1 where a > b and 0 elsewhere, with broadcasting. Comparisons
// are constants for differentiation.
func Gt(a, b *Tensor) *Tensor { return binary(opGt, a, b) }

// Ge returns 1 where a ≥ b and 0 elsewhere, with broadcasting.
func Ge(a, b *Tensor) *Tensor { return binary(opGe, a, b) }

// Lt returns 1 where a < b and 0 elsewhere, with broadcasting.
func Lt(a, b *Tensor) *Tensor { return binary(opLt, a, b) }

// Le returns 1 where a ≤ b and 0 elsewhere, with broadcasting.
func Le(a, b *Tensor) *Tensor { return binary(opLe, a, b) }

// Eq returns 1 where a == b and 0 elsewhere, with broadcasting.
func Eq(a, b *Tensor) *Tensor { return binary(opEq, a, b) }

// Where returns a where cond is nonzero and b elsewhere, all three
// broadcast together. The gradient flows to a where cond holds and to b
// elsewhere; cond is a constant.
func Where(cond, a, b *Tensor) *Tensor {
	checkDense("Where", cond, a, b)
	shape := broadcastShapes("Where", cond.shape, a.shape, b.shape)
	c := BroadcastTo(cond.Detach(), shape...)
	av := BroadcastTo(a.Detach(), shape...)
	bv := BroadcastTo(b.Detach(), shape...)
	out := Zeros(shape...)
	for i, m := range c.data {
		if m != 0 {
			out.data[i] = av.data[i]
		} else {
			out.data[i] = bv.data[i]
		}
	}
	return record(out, "Where", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = sumTo(gate(g, mask(c, true)), a.shape)
		}
		if b.requiresGrad {
			gb = sumTo(gate(g, mask(c, false)), b.shape)
		}
		return []*Tensor{nil, ga, gb}
	}, nil, a, b)
}

// mask returns 1 where c is nonzero (or zero, when nonzero is false) and 0
// elsewhere.
func mask(c *Tensor, nonzero bool) []float64 {
	m := make([]float64, len(c.data))
	for i, v := range c.data {
		m[i] = b2f((v != 0) == nonzero)
	}
	return m
}
