package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

// The fixtures come from testdata/gen_fixtures.py (PyTorch 1.13, float64).

type fxTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (f fxTensor) tensor() *tensor.Tensor {
	if len(f.Shape) == 0 {
		return tensor.Scalar(f.Data[0])
	}
	return tensor.New(slices.Clone(f.Data), f.Shape...)
}

type fxStep struct {
	Train      bool                `json:"train"`
	Input      fxTensor            `json:"input"`
	Upstream   fxTensor            `json:"upstream"`
	Output     fxTensor            `json:"output"`
	InputGrad  fxTensor            `json:"input_grad"`
	ParamGrads map[string]fxTensor `json:"param_grads"`
	State      map[string]fxTensor `json:"state"`
}

type fxLayer struct {
	Name  string              `json:"name"`
	Kind  string              `json:"kind"`
	Args  map[string]any      `json:"args"`
	State map[string]fxTensor `json:"state"`
	Steps []fxStep            `json:"steps"`
}

type fxLoss struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Reduction string    `json:"reduction"`
	Input     fxTensor  `json:"input"`
	Target    *fxTensor `json:"target"`
	Labels    []int     `json:"labels"`
	Upstream  fxTensor  `json:"upstream"`
	Output    fxTensor  `json:"output"`
	InputGrad fxTensor  `json:"input_grad"`
}

func readFixture(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// Values agree to 1e-10 relative; absTol only forgives rounding noise around
// exact zeros.
const (
	relTol = 1e-10
	absTol = 1e-14
)

// closeTo reports the first element of got that differs from want by more
// than relTol relative (plus absTol).
func closeTo(got *tensor.Tensor, want fxTensor) error {
	if got == nil {
		return fmt.Errorf("got nil, want shape %v", want.Shape)
	}
	if !slices.Equal(got.Shape(), want.Shape) {
		return fmt.Errorf("shape %v, want %v", got.Shape(), want.Shape)
	}
	for i, w := range want.Data {
		g := got.Data()[i]
		if math.Abs(g-w) > relTol*math.Abs(w)+absTol {
			return fmt.Errorf("element %d = %.17g, want %.17g", i, g, w)
		}
	}
	return nil
}

func argInt(args map[string]any, k string, def int) int {
	if v, ok := args[k]; ok {
		return int(v.(float64))
	}
	return def
}

// normOpts turns the fixture's constructor arguments into options.
func normOpts(args map[string]any) []NormOption {
	var opts []NormOption
	if v, ok := args["momentum"]; ok {
		if v == nil {
			opts = append(opts, CumulativeAverage())
		} else {
			opts = append(opts, Momentum(v.(float64)))
		}
	}
	if v, ok := args["eps"]; ok {
		opts = append(opts, Eps(v.(float64)))
	}
	if v, ok := args["affine"]; ok {
		opts = append(opts, Affine(v.(bool)))
	}
	if v, ok := args["track"]; ok {
		opts = append(opts, TrackRunningStats(v.(bool)))
	}
	return opts
}

func buildLayer(t *testing.T, kind string, args map[string]any) Module {
	rng := rand.New(rand.NewSource(1))
	switch kind {
	case "Linear":
		l := NewLinear(argInt(args, "in", 0), argInt(args, "out", 0), rng)
		if !args["bias"].(bool) {
			l.Bias = nil
		}
		return l
	case "Conv2d":
		return NewConv2d(argInt(args, "in", 0), argInt(args, "out", 0), argInt(args, "kernel", 0), argInt(args, "stride", 0), argInt(args, "padding", 0), rng)
	case "MaxPool2d":
		return NewMaxPool2d(argInt(args, "kernel", 0), argInt(args, "stride", 0), argInt(args, "padding", 0))
	case "AvgPool2d":
		return NewAvgPool2d(argInt(args, "kernel", 0), argInt(args, "stride", 0), argInt(args, "padding", 0))
	case "Flatten":
		return NewFlatten()
	case "ReLU":
		return NewReLU()
	case "LeakyReLU":
		return NewLeakyReLU(args["slope"].(float64))
	case "Tanh":
		return NewTanh()
	case "Sigmoid":
		return NewSigmoid()
	case "GELU":
		return NewGELU()
	case "Softmax":
		return NewSoftmax(argInt(args, "axis", 0))
	case "LogSoftmax":
		return NewLogSoftmax(argInt(args, "axis", 0))
	case "Dropout":
		return NewDropout(args["p"].(float64), rng)
	case "SequentialMLP":
		return NewSequential(NewLinear(6, 8, rng), NewBatchNorm1d(8), NewReLU(), NewLinear(8, 3, rng))
	case "BatchNorm1d":
		return NewBatchNorm1d(argInt(args, "c", 0), normOpts(args)...)
	case "BatchNorm2d":
		return NewBatchNorm2d(argInt(args, "c", 0), normOpts(args)...)
	case "InstanceNorm1d":
		return NewInstanceNorm1d(argInt(args, "c", 0), normOpts(args)...)
	case "InstanceNorm2d":
		return NewInstanceNorm2d(argInt(args, "c", 0), normOpts(args)...)
	case "LayerNorm":
		var shape []int
		for _, v := range args["shape"].([]any) {
			shape = append(shape, int(v.(float64)))
		}
		return NewLayerNorm(shape, normOpts(args)...)
	case "GroupNorm":
		return NewGroupNorm(argInt(args, "groups", 0), argInt(args, "c", 0), normOpts(args)...)
	}
	t.Fatalf("unknown layer kind %q", kind)
	return nil
}

func toStateDict(s map[string]fxTensor) map[string]*tensor.Tensor {
	sd := map[string]*tensor.Tensor{}
	for k, v := range s {
		sd[k] = v.tensor()
	}
	return sd
}

func TestLayersMatchPyTorch(t *testing.T) {
	var fx struct{ Cases []fxLayer }
	readFixture(t, "layers.json", &fx)
	if len(fx.Cases) < 40 {
		t.Fatalf("only %d layer cases in the fixture", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			m := buildLayer(t, c.Kind, c.Args)
			keys := StateKeys(m)
			var want []string
			for k := range c.State {
				want = append(want, k)
			}
			sort.Strings(want)
			got := slices.Clone(keys)
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("state keys %v, PyTorch has %v", keys, want)
			}
			if err := LoadStateDict(m, toStateDict(c.State)); err != nil {
				t.Fatal(err)
			}
			named := map[string]*tensor.Tensor{}
			for _, p := range NamedParameters(m) {
				named[p.Name] = p.Tensor
			}
			for i, st := range c.Steps {
				if st.Train {
					m.Train()
				} else {
					m.Eval()
				}
				m.ZeroGrad()
				x := st.Input.tensor().SetRequiresGrad(true)
				y := m.Forward(x)
				if err := closeTo(y, st.Output); err != nil {
					t.Fatalf("step %d (train %v) output: %v", i, st.Train, err)
				}
				tensor.Sum(tensor.Mul(y, st.Upstream.tensor())).Backward()
				if err := closeTo(x.Grad(), st.InputGrad); err != nil {
					t.Errorf("step %d input gradient: %v", i, err)
				}
				if len(named) != len(st.ParamGrads) {
					t.Errorf("step %d: %d parameters, PyTorch has %d", i, len(named), len(st.ParamGrads))
				}
				for k, g := range st.ParamGrads {
					if err := closeTo(named[k].Grad(), g); err != nil {
						t.Errorf("step %d gradient of %s: %v", i, k, err)
					}
				}
				sd := StateDict(m)
				for k, v := range st.State {
					if err := closeTo(sd[k], v); err != nil {
						t.Errorf("step %d state %s: %v", i, k, err)
					}
				}
			}
		})
	}
}

func TestLossesMatchPyTorch(t *testing.T) {
	var fx struct{ Cases []fxLoss }
	readFixture(t, "losses.json", &fx)
	reductions := map[string]Reduction{"mean": ReduceMean, "sum": ReduceSum, "none": ReduceNone}
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			x := c.Input.tensor().SetRequiresGrad(true)
			red := reductions[c.Reduction]
			var target *tensor.Tensor
			if c.Target != nil {
				target = c.Target.tensor()
			}
			var out *tensor.Tensor
			switch c.Kind {
			case "MSELoss":
				out = MSELoss(x, target, red)
			case "L1Loss":
				out = L1Loss(x, target, red)
			case "CrossEntropy":
				out = CrossEntropy(x, c.Labels, red)
			case "NLLLoss":
				out = NLLLoss(x, c.Labels, red)
			case "BCEWithLogits":
				out = BCEWithLogits(x, target, red)
			case "MultiMarginLoss":
				out = MultiMarginLoss(x, c.Labels, red)
			case "HingeLoss":
				out = HingeLoss(x, target, red)
			default:
				t.Fatalf("unknown loss %q", c.Kind)
			}
			if err := closeTo(out, c.Output); err != nil {
				t.Fatalf("loss: %v", err)
			}
			tensor.Sum(tensor.Mul(out, c.Upstream.tensor())).Backward()
			if err := closeTo(x.Grad(), c.InputGrad); err != nil {
				t.Errorf("input gradient: %v", err)
			}
		})
	}
}
