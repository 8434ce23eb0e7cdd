package nn

import (
	"math"
	"math/rand"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Fans returns the fan-in and fan-out of a weight of the given shape, as
// PyTorch computes them: shape[1] and shape[0], each times the product of
// the remaining (receptive-field) dimensions.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(shapeErr("Fans", "shape %v has fewer than 2 dimensions", shape))
	}
	rf := 1
	for _, d := range shape[2:] {
		rf *= d
	}
	return shape[1] * rf, shape[0] * rf
}

// CalculateGain returns PyTorch's recommended gain for a nonlinearity:
// 1 for "linear", "conv2d" and "sigmoid", 5/3 for "tanh", √2 for "relu",
// √(2/(1+a²)) for "leaky_relu" with negative slope a, 3/4 for "selu".
func CalculateGain(nonlinearity string, a float64) float64 {
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d", "sigmoid":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		return math.Sqrt(2 / (1 + a*a))
	case "selu":
		return 0.75
	}
	panic(shapeErr("CalculateGain", "unknown nonlinearity %q", nonlinearity))
}

func fill(t *tensor.Tensor, f func() float64) *tensor.Tensor {
	d := t.Data()
	for i := range d {
		d[i] = f()
	}
	return t
}

// KaimingUniform fills t in place from U(−b, b) with b = gain·√(3/fanIn)
// and gain = √(2/(1+a²)), as torch.nn.init.kaiming_uniform_ with its
// defaults (mode fan_in, leaky_relu with negative slope a; a = 0 is ReLU).
// It returns t.
func KaimingUniform(t *tensor.Tensor, a float64, rng *rand.Rand) *tensor.Tensor {
	needRNG("KaimingUniform", rng)
	fanIn, _ := Fans(t.Shape())
	b := CalculateGain("leaky_relu", a) * math.Sqrt(3/float64(fanIn))
	return fill(t, func() float64 { return -b + 2*b*rng.Float64() })
}

// KaimingNormal fills t in place from N(0, s²) with s = gain/√fanIn and
// gain = √(2/(1+a²)), as torch.nn.init.kaiming_normal_ with its defaults.
// It returns t.
func KaimingNormal(t *tensor.Tensor, a float64, rng *rand.Rand) *tensor.Tensor {
	needRNG("KaimingNormal", rng)
	fanIn, _ := Fans(t.Shape())
	s := CalculateGain("leaky_relu", a) / math.Sqrt(float64(fanIn))
	return fill(t, func() float64 { return s * rng.NormFloat64() })
}

// XavierUniform fills t in place from U(−b, b) with
// b = gain·√(6/(fanIn+fanOut)), as torch.nn.init.xavier_uniform_ (Glorot &
// Bengio, 2010). It returns t.
func XavierUniform(t *tensor.Tensor, gain float64, rng *rand.Rand) *tensor.Tensor {
	needRNG("XavierUniform", rng)
	fanIn, fanOut := Fans(t.Shape())
	b := gain * math.Sqrt(6/float64(fanIn+fanOut))
	return fill(t, func() float64 { return -b + 2*b*rng.Float64() })
}

// XavierNormal fills t in place from N(0, s²) with
// s = gain·√(2/(fanIn+fanOut)), as torch.nn.init.xavier_normal_. It
// returns t.
func XavierNormal(t *tensor.Tensor, gain float64, rng *rand.Rand) *tensor.Tensor {
	needRNG("XavierNormal", rng)
	fanIn, fanOut := Fans(t.Shape())
	s := gain * math.Sqrt(2/float64(fanIn+fanOut))
	return fill(t, func() float64 { return s * rng.NormFloat64() })
}
