package tensor

import (
	"fmt"
	"math"
)

// CrossEntropyRows returns, for N×C logits t and N class indices, the N
// losses −log softmax(t)[i, labels[i]], as
// torch.nn.functional.cross_entropy with reduction='none'. It is
// Neg(Gather(LogSoftmax(t, 1), 1, labels)) in one operation: the same
// values and, when Backward does not record, the same gradient to the last
// bit (row i gets g_i times softmax(t)_i minus the one-hot row of
// labels[i], rounded as LogSoftmax's backward rounds it), without the
// intermediate tensors and recorded operations of the composition. With a
// gradient graph recorded (Grad with createGraph, Hessians) the backward
// records the composition's own gradient, so second derivatives are those
// of the composition. A label outside [0, C) panics.
func CrossEntropyRows(t *Tensor, labels []int) *Tensor {
	checkDense("CrossEntropyRows", t)
	if len(t.shape) != 2 {
		panic(fmt.Errorf("tensor: CrossEntropyRows: logits of shape %v, want N×C", t.shape))
	}
	n, c := t.shape[0], t.shape[1]
	if len(labels) != n {
		panic(fmt.Errorf("tensor: CrossEntropyRows: %d labels for logits of shape %v", len(labels), t.shape))
	}
	for i, y := range labels {
		if y < 0 || y >= c {
			panic(fmt.Errorf("tensor: CrossEntropyRows: label %d of row %d out of range [0, %d)", y, i, c))
		}
	}
	lp := logSoftmax(t, 1).data
	out := &Tensor{data: make([]float64, n), shape: []int{n}}
	for i, y := range labels {
		out.data[i] = -lp[i*c+y]
	}
	return record(out, "CrossEntropyRows", func(g *Tensor) []*Tensor {
		if GradEnabled() {
			// Recording the gradient's graph: build it from the
			// composition's operations, whose derivatives are known.
			flat := make([]int, n)
			for i, y := range labels {
				flat[i] = i*c + y
			}
			gl := scatterAdd(Neg(g), flat, t.shape, "GatherBackward")
			return []*Tensor{Sub(gl, Mul(Exp(LogSoftmax(t, 1)), SumAxis(gl, 1, true)))}
		}
		dx := make([]float64, n*c)
		for i, y := range labels {
			// The composition's backward: Gather scatters −g_i into a row
			// of zeros (0 + (−g_i)), SumAxis adds the row (zeros and that
			// value), and LogSoftmax subtracts exp(lp)·Σ from the row.
			v := 0 + -g.data[i]
			row, lpr := dx[i*c:(i+1)*c], lp[i*c:(i+1)*c]
			for j, l := range lpr {
				row[j] = 0 - float64(math.Exp(l)*v) // float64(): rounded before the subtraction, as the two operations round
			}
			row[y] = v - float64(math.Exp(lpr[y])*v)
		}
		return []*Tensor{{data: dx, shape: []int{n, c}}}
	}, t)
}
