package tensor

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// The fixtures come from testdata/gen_fixtures.py, which runs PyTorch 1.13
// in float64.

type fixTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (f fixTensor) tensor() *Tensor {
	return New(append([]float64{}, f.Data...), f.Shape...)
}

type fixCase struct {
	Name      string         `json:"name"`
	Op        string         `json:"op"`
	Params    map[string]any `json:"params"`
	Inputs    []fixTensor    `json:"inputs"`
	Weight    fixTensor      `json:"weight"`
	Output    fixTensor      `json:"output"`
	Grads     []fixTensor    `json:"grads"`
	V         *fixTensor     `json:"v"`
	GradGrads []fixTensor    `json:"grad_grads"`
}

type fixFile struct {
	Torch       string                `json:"torch"`
	Cases       []fixCase             `json:"cases"`
	Derivatives map[string]fixDerived `json:"derivatives"`
}

type fixDerived struct {
	X     fixTensor `json:"x"`
	Value fixTensor `json:"value"`
}

func loadFixtures(t *testing.T) fixFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func num(p map[string]any, k string) float64 { return p[k].(float64) }
func integer(p map[string]any, k string) int { return int(p[k].(float64)) }

// fixtureOps maps the fixture's op names to our operations.
var fixtureOps = map[string]func(in []*Tensor, p map[string]any) *Tensor{
	"add":         func(in []*Tensor, _ map[string]any) *Tensor { return Add(in[0], in[1]) },
	"sub":         func(in []*Tensor, _ map[string]any) *Tensor { return Sub(in[0], in[1]) },
	"mul":         func(in []*Tensor, _ map[string]any) *Tensor { return Mul(in[0], in[1]) },
	"div":         func(in []*Tensor, _ map[string]any) *Tensor { return Div(in[0], in[1]) },
	"maximum":     func(in []*Tensor, _ map[string]any) *Tensor { return Maximum(in[0], in[1]) },
	"minimum":     func(in []*Tensor, _ map[string]any) *Tensor { return Minimum(in[0], in[1]) },
	"pow":         func(in []*Tensor, p map[string]any) *Tensor { return PowScalar(in[0], num(p, "p")) },
	"exp":         func(in []*Tensor, _ map[string]any) *Tensor { return Exp(in[0]) },
	"log":         func(in []*Tensor, _ map[string]any) *Tensor { return Log(in[0]) },
	"sqrt":        func(in []*Tensor, _ map[string]any) *Tensor { return Sqrt(in[0]) },
	"abs":         func(in []*Tensor, _ map[string]any) *Tensor { return Abs(in[0]) },
	"clamp":       func(in []*Tensor, p map[string]any) *Tensor { return Clamp(in[0], num(p, "lo"), num(p, "hi")) },
	"where":       func(in []*Tensor, _ map[string]any) *Tensor { return Where(Gt(in[0], Scalar(0)), in[0], in[1]) },
	"relu":        func(in []*Tensor, _ map[string]any) *Tensor { return ReLU(in[0]) },
	"leaky_relu":  func(in []*Tensor, p map[string]any) *Tensor { return LeakyReLU(in[0], num(p, "slope")) },
	"tanh":        func(in []*Tensor, _ map[string]any) *Tensor { return Tanh(in[0]) },
	"sigmoid":     func(in []*Tensor, _ map[string]any) *Tensor { return Sigmoid(in[0]) },
	"gelu":        func(in []*Tensor, _ map[string]any) *Tensor { return GELU(in[0]) },
	"softmax":     func(in []*Tensor, p map[string]any) *Tensor { return Softmax(in[0], integer(p, "axis")) },
	"log_softmax": func(in []*Tensor, p map[string]any) *Tensor { return LogSoftmax(in[0], integer(p, "axis")) },
	"sum":         func(in []*Tensor, _ map[string]any) *Tensor { return Sum(in[0]) },
	"sum_axis": func(in []*Tensor, p map[string]any) *Tensor {
		return SumAxis(in[0], integer(p, "axis"), p["keep"].(bool))
	},
	"mean_axis": func(in []*Tensor, p map[string]any) *Tensor {
		return MeanAxis(in[0], integer(p, "axis"), p["keep"].(bool))
	},
	"var": func(in []*Tensor, p map[string]any) *Tensor {
		return Var(in[0], integer(p, "axis"), p["unbiased"].(bool), p["keep"].(bool))
	},
	"max_axis": func(in []*Tensor, p map[string]any) *Tensor {
		return MaxAxis(in[0], integer(p, "axis"), p["keep"].(bool))
	},
	"max":  func(in []*Tensor, _ map[string]any) *Tensor { return Max(in[0]) },
	"norm": func(in []*Tensor, _ map[string]any) *Tensor { return Norm(in[0]) },
	"linear": func(in []*Tensor, _ map[string]any) *Tensor {
		var b *Tensor
		if len(in) > 2 {
			b = in[2]
		}
		return Linear(in[0], in[1], b)
	},
	"matmul_t": func(in []*Tensor, _ map[string]any) *Tensor { return MatMul(in[0], Transpose(in[1])) },
	"matmul":   func(in []*Tensor, _ map[string]any) *Tensor { return MatMul(in[0], in[1]) },
	"permute": func(in []*Tensor, p map[string]any) *Tensor {
		var axes []int
		for _, a := range p["axes"].([]any) {
			axes = append(axes, int(a.(float64)))
		}
		return Permute(in[0], axes...)
	},
	"transpose": func(in []*Tensor, _ map[string]any) *Tensor { return Transpose(in[0]) },
	"conv2d": func(in []*Tensor, p map[string]any) *Tensor {
		var b *Tensor
		if len(in) > 2 {
			b = in[2]
		}
		return Conv2d(in[0], in[1], b, integer(p, "stride"), integer(p, "padding"))
	},
	"max_pool2d": func(in []*Tensor, p map[string]any) *Tensor {
		return MaxPool2d(in[0], integer(p, "kernel"), integer(p, "stride"), integer(p, "padding"))
	},
	"avg_pool2d": func(in []*Tensor, p map[string]any) *Tensor {
		return AvgPool2d(in[0], integer(p, "kernel"), integer(p, "stride"), integer(p, "padding"))
	},
	"unfold": func(in []*Tensor, p map[string]any) *Tensor {
		return Unfold(in[0], integer(p, "kh"), integer(p, "kw"), integer(p, "stride"), integer(p, "padding"))
	},
	"fold": func(in []*Tensor, p map[string]any) *Tensor {
		return Fold(in[0], integer(p, "h"), integer(p, "w"), integer(p, "kh"), integer(p, "kw"), integer(p, "stride"), integer(p, "padding"))
	},
}

// closeRel reports where got and want differ by more than tol relative to
// max(1, |want|), and "" when they agree.
func closeRel(got *Tensor, want fixTensor, tol float64) string {
	if !sameShape(got.shape, want.Shape) {
		return "shape " + formatShape(got.shape) + ", want " + formatShape(want.Shape)
	}
	for i, w := range want.Data {
		if g := got.data[i]; !(math.Abs(g-w) <= tol*math.Max(1, math.Abs(w))) {
			return "element " + itoa(i) + ": got " + ftoa(g) + ", want " + ftoa(w)
		}
	}
	return ""
}

func TestPyTorchFixtures(t *testing.T) {
	f := loadFixtures(t)
	const tol = 1e-10
	seen := map[string]bool{}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			op, ok := fixtureOps[c.Op]
			if !ok {
				t.Fatalf("no operation for fixture op %q", c.Op)
			}
			seen[c.Op] = true
			in := make([]*Tensor, len(c.Inputs))
			for i, x := range c.Inputs {
				in[i] = x.tensor().SetRequiresGrad(true)
			}
			y := op(in, c.Params)
			if d := closeRel(y, c.Output, tol); d != "" {
				t.Errorf("output: %s", d)
			}
			loss := Sum(Mul(y, c.Weight.tensor()))
			grads := Grad(loss, in, c.V != nil)
			for i, g := range grads {
				if d := closeRel(g, c.Grads[i], tol); d != "" {
					t.Errorf("gradient of input %d: %s", i, d)
				}
			}
			if c.V == nil {
				return
			}
			gg := Grad(Sum(Mul(grads[0], c.V.tensor())), in, false)
			for i, g := range gg {
				if d := closeRel(g, c.GradGrads[i], tol); d != "" {
					t.Errorf("second-order gradient of input %d: %s", i, d)
				}
			}
		})
	}
	if len(seen) != len(fixtureOps) {
		t.Errorf("fixtures exercise %d of %d operations", len(seen), len(fixtureOps))
	}
}
