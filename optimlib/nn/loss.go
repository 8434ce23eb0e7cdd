package nn

import (
	"math"
	"slices"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Reduction says how a loss combines its per-element values.
type Reduction int

// The reductions of PyTorch's losses; ReduceMean is the default.
const (
	ReduceMean Reduction = iota
	ReduceSum
	ReduceNone
)

func reduce(op string, l *tensor.Tensor, r []Reduction, shapes ...[]int) *tensor.Tensor {
	red := ReduceMean
	switch len(r) {
	case 0:
	case 1:
		red = r[0]
	default:
		panic(shapeErr(op, "%d reductions given, want at most one", len(r)))
	}
	switch red {
	case ReduceMean:
		l = tensor.Mean(l)
	case ReduceSum:
		l = tensor.Sum(l)
	case ReduceNone:
	default:
		panic(shapeErr(op, "unknown reduction %d", red))
	}
	for _, v := range l.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			panic(shapeErr(op, "loss is %v (input shapes %v)", v, shapes))
		}
	}
	return l
}

func sameShapes(op string, a, b *tensor.Tensor) {
	if !slices.Equal(a.Shape(), b.Shape()) {
		panic(shapeErr(op, "input shape %v and target shape %v do not match", a.Shape(), b.Shape()))
	}
}

func checkLabels(op string, scores *tensor.Tensor, labels []int) {
	if scores.Dim() != 2 {
		panic(shapeErr(op, "input shape %v is not N×C", scores.Shape()))
	}
	n, c := scores.Size(0), scores.Size(1)
	if len(labels) != n {
		panic(shapeErr(op, "%d labels for input shape %v", len(labels), scores.Shape()))
	}
	for i, y := range labels {
		if y < 0 || y >= c {
			panic(shapeErr(op, "label %d of sample %d out of range [0, %d) for input shape %v", y, i, c, scores.Shape()))
		}
	}
}

// MSELoss returns the mean (or sum, or elementwise with ReduceNone) of
// (pred − target)², as torch.nn.functional.mse_loss. Shapes must match.
func MSELoss(pred, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	sameShapes("MSELoss", pred, target)
	return reduce("MSELoss", tensor.Square(tensor.Sub(pred, target)), reduction, pred.Shape(), target.Shape())
}

// L1Loss returns the mean (or sum, or elementwise) of |pred − target|, as
// torch.nn.functional.l1_loss. Shapes must match.
func L1Loss(pred, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	sameShapes("L1Loss", pred, target)
	return reduce("L1Loss", tensor.Abs(tensor.Sub(pred, target)), reduction, pred.Shape(), target.Shape())
}

// NLLLoss returns the mean (or sum, or per-sample) of −logProbs[i, y_i]
// for N×C log-probabilities and N class indices, as
// torch.nn.functional.nll_loss.
func NLLLoss(logProbs *tensor.Tensor, labels []int, reduction ...Reduction) *tensor.Tensor {
	checkLabels("NLLLoss", logProbs, labels)
	return reduce("NLLLoss", tensor.Neg(tensor.Gather(logProbs, 1, labels)), reduction, logProbs.Shape())
}

// CrossEntropy returns the cross-entropy of N×C logits against N class
// indices, −log softmax(logits)[i, y_i], averaged (or summed, or per
// sample), as torch.nn.functional.cross_entropy. The per-sample losses
// come from one fused operation, tensor.CrossEntropyRows.
func CrossEntropy(logits *tensor.Tensor, labels []int, reduction ...Reduction) *tensor.Tensor {
	checkLabels("CrossEntropy", logits, labels)
	return reduce("CrossEntropy", tensor.CrossEntropyRows(logits, labels), reduction, logits.Shape())
}

// BCEWithLogits returns the binary cross-entropy of targets t in [0, 1]
// against probabilities σ(x) given by logits x,
// −[t·log σ(x) + (1 − t)·log(1 − σ(x))], averaged (or summed, or
// elementwise), as torch.nn.functional.binary_cross_entropy_with_logits.
// Both logarithms come from a log-softmax over (0, x), which is stable for
// any x. Shapes must match.
func BCEWithLogits(logits, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	sameShapes("BCEWithLogits", logits, target)
	for i, v := range target.Data() {
		if !(v >= 0 && v <= 1) {
			panic(shapeErr("BCEWithLogits", "target %v at %d outside [0, 1] (shape %v)", v, i, target.Shape()))
		}
	}
	pair := tensor.LogSoftmax(tensor.Stack([]*tensor.Tensor{tensor.Zeros(logits.Shape()...), logits}, -1), -1)
	logNeg := tensor.Squeeze(tensor.Narrow(pair, -1, 0, 1), -1) // log(1 − σ(x))
	logPos := tensor.Squeeze(tensor.Narrow(pair, -1, 1, 1), -1) // log σ(x)
	t := target.Detach()
	l := tensor.Neg(tensor.Add(tensor.Mul(t, logPos), tensor.Mul(tensor.AddScalar(tensor.Neg(t), 1), logNeg)))
	return reduce("BCEWithLogits", l, reduction, logits.Shape(), target.Shape())
}

// HingeLoss returns the lecture's hinge loss for labels ±1,
// max(0, 1 − y·f(x)), averaged (or summed, or elementwise). PyTorch has no
// module for it; it equals torch.clamp(1 − y·pred, min=0).mean(). Shapes
// must match and every target must be −1 or +1.
func HingeLoss(pred, target *tensor.Tensor, reduction ...Reduction) *tensor.Tensor {
	sameShapes("HingeLoss", pred, target)
	for i, v := range target.Data() {
		if v != 1 && v != -1 {
			panic(shapeErr("HingeLoss", "target %v at %d is not ±1 (shape %v)", v, i, target.Shape()))
		}
	}
	l := tensor.ReLU(tensor.AddScalar(tensor.Neg(tensor.Mul(target.Detach(), pred)), 1))
	return reduce("HingeLoss", l, reduction, pred.Shape(), target.Shape())
}

// MultiMarginLoss returns the multi-class hinge loss of N×C scores x
// against N class indices y, Σ_{j≠y_i} max(0, 1 − x[i, y_i] + x[i, j])/C
// per sample, averaged (or summed, or per sample), as
// torch.nn.functional.multi_margin_loss with p = 1 and margin 1.
func MultiMarginLoss(scores *tensor.Tensor, labels []int, reduction ...Reduction) *tensor.Tensor {
	checkLabels("MultiMarginLoss", scores, labels)
	n, c := scores.Size(0), scores.Size(1)
	correct := tensor.Reshape(tensor.Gather(scores, 1, labels), n, 1)
	others := make([]float64, n*c)
	for i := range others {
		others[i] = 1
	}
	for i, y := range labels {
		others[i*c+y] = 0
	}
	margins := tensor.ReLU(tensor.AddScalar(tensor.Sub(scores, correct), 1))
	l := tensor.MulScalar(tensor.SumAxis(tensor.Mul(margins, tensor.New(others, n, c)), 1, false), 1/float64(c))
	return reduce("MultiMarginLoss", l, reduction, scores.Shape())
}
