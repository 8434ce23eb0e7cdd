package data

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/descentlab/descent/optimlib/tensor"
)

// TwoGaussians returns the lecture's classification set for a single
// linear unit: n points in 2-D, alternately of class −1 and +1, class ±1
// drawn from a Gaussian with mean ±(sep/2)·(1, 1) and standard deviation
// std in each coordinate. X has shape [n, 2] and Y shape [n, 1] (labels
// −1 and +1, ready for a quadratic or hinge loss on a Linear(2, 1) output).
// Use ShiftScale to move the inputs away from zero mean or stretch them,
// which changes the Hessian (the input covariance) and the conditioning.
func TwoGaussians(rng *rand.Rand, n int, sep, std float64) *TensorDataset {
	if n < 0 || std < 0 {
		panic(fmt.Errorf("data: TwoGaussians: bad n=%d or std=%v", n, std))
	}
	x, y := make([]float64, 2*n), make([]float64, n)
	for i := 0; i < n; i++ {
		label := 1.0
		if i%2 == 0 {
			label = -1
		}
		y[i] = label
		x[2*i] = label*sep/2 + std*rng.NormFloat64()
		x[2*i+1] = label*sep/2 + std*rng.NormFloat64()
	}
	return &TensorDataset{X: tensor.New(x, n, 2), Y: tensor.New(y, n, 1)}
}

// Spiral returns the classic interleaved-spirals classification set: for
// each of the given number of classes, n points along an arm from the
// origin to radius 1, whose angle turns by 4 radians along the arm, arms
// spaced evenly around the circle, the angle perturbed by Gaussian noise of
// standard deviation noise. X has shape [n·classes, 2] and Y shape
// [n·classes] holding class indices 0…classes−1 (use Batch.Labels).
func Spiral(rng *rand.Rand, n, classes int, noise float64) *TensorDataset {
	if n < 0 || classes < 1 {
		panic(fmt.Errorf("data: Spiral: bad n=%d or classes=%d", n, classes))
	}
	x, y := make([]float64, 2*n*classes), make([]float64, n*classes)
	for k := 0; k < classes; k++ {
		for i := 0; i < n; i++ {
			r := 0.0
			if n > 1 {
				r = float64(i) / float64(n-1)
			}
			theta := 2*math.Pi*float64(k)/float64(classes) + 4*r + noise*rng.NormFloat64()
			j := k*n + i
			x[2*j] = r * math.Cos(theta)
			x[2*j+1] = r * math.Sin(theta)
			y[j] = float64(k)
		}
	}
	return &TensorDataset{X: tensor.New(x, n*classes, 2), Y: tensor.New(y, n*classes)}
}

// Regression returns n samples of a linear model with Gaussian inputs:
// x_j = offset_j + scale_j·z_j with z ~ N(0, I), and y = w·x + bias + noise·ε
// with ε ~ N(0, 1). The input dimension is len(w); offset and scale may be
// nil (0 and 1). For the least-squares loss the Hessian is the second
// moment E[xxᵀ] = diag(scale²) + offset·offsetᵀ, so a large offset or
// unequal scales make the problem poorly conditioned (the lecture's
// demonstration); Standardize undoes both. X has shape [n, len(w)] and Y
// shape [n, 1].
func Regression(rng *rand.Rand, n int, w []float64, bias, noise float64, offset, scale []float64) *TensorDataset {
	d := len(w)
	if n < 0 || (offset != nil && len(offset) != d) || (scale != nil && len(scale) != d) {
		panic(fmt.Errorf("data: Regression: n=%d, weights of length %d, offset of length %d and scale of length %d do not match", n, d, len(offset), len(scale)))
	}
	x, y := make([]float64, n*d), make([]float64, n)
	for i := 0; i < n; i++ {
		s := bias
		for j := 0; j < d; j++ {
			v := rng.NormFloat64()
			if scale != nil {
				v *= scale[j]
			}
			if offset != nil {
				v += offset[j]
			}
			x[i*d+j] = v
			s += w[j] * v
		}
		y[i] = s + noise*rng.NormFloat64()
	}
	return &TensorDataset{X: tensor.New(x, n, d), Y: tensor.New(y, n, 1)}
}

// ShiftScale returns a copy of ds whose features are x_j·scale_j + offset_j
// for each feature j of the flattened sample (nil offset means 0, nil scale
// means 1). Targets are copied unchanged.
func ShiftScale(ds Dataset, offset, scale []float64) *TensorDataset {
	x, y := All(ds)
	d := x.Numel() / max(ds.Len(), 1)
	if (offset != nil && len(offset) != d) || (scale != nil && len(scale) != d) {
		panic(fmt.Errorf("data: ShiftScale: offset of length %d and scale of length %d do not match %d features (sample shape %v)", len(offset), len(scale), d, x.Shape()[1:]))
	}
	xs := x.Data()
	for i := range xs {
		j := i % d
		if scale != nil {
			xs[i] *= scale[j]
		}
		if offset != nil {
			xs[i] += offset[j]
		}
	}
	return &TensorDataset{X: x, Y: y}
}

// Standardize returns a copy of ds whose features have zero mean and unit
// (biased) variance over the data set, the lecture's cure for poor
// conditioning, together with the mean and standard deviation removed.
// To treat test data the same way, use ShiftScale with scale_j = 1/std_j
// and offset_j = −mean_j/std_j. Constant features are centred and left
// unscaled (std 1).
func Standardize(ds Dataset) (out *TensorDataset, mean, std []float64) {
	x, y := All(ds)
	n := ds.Len()
	if n == 0 {
		panic(fmt.Errorf("data: Standardize: empty data set"))
	}
	d := x.Numel() / n
	xs := x.Data()
	mean, std = make([]float64, d), make([]float64, d)
	for i, v := range xs {
		mean[i%d] += v
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i, v := range xs {
		e := v - mean[i%d]
		std[i%d] += e * e
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(n))
		if std[j] == 0 {
			std[j] = 1
		}
	}
	for i := range xs {
		xs[i] = (xs[i] - mean[i%d]) / std[i%d]
	}
	return &TensorDataset{X: x, Y: y}, mean, std
}
