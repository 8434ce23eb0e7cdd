package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/tensor"
)

// The fixtures come from testdata/gen_sparse_fixtures.py (PyTorch 1.13,
// float64): a bag-of-words classifier whose embeddings have sparse
// gradients, trained for 100 steps.

type sparseFixture struct {
	Num     int `json:"num"`
	Num2    int `json:"num2"`
	Dim     int `json:"dim"`
	Classes int `json:"classes"`
	Batches []struct {
		Words  [][]int `json:"words"`
		Tags   [][]int `json:"tags"`
		Labels []int   `json:"labels"`
	} `json:"batches"`
	Runs []sparseRun `json:"runs"`
}

// sparseHyper is one parameter group's hyperparameters, or the dense
// optimizer's, for any of the kinds in the fixture.
type sparseHyper struct {
	Params      []string   `json:"params"`
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	Maximize    bool       `json:"maximize"`
	Momentum    float64    `json:"momentum"`
	Dampening   float64    `json:"dampening"`
	Nesterov    bool       `json:"nesterov"`
	LRDecay     float64    `json:"lr_decay"`
	InitialAccu float64    `json:"initial_accumulator_value"`
}

type sparseRun struct {
	Name       string  `json:"name"`
	PaddingIdx *int    `json:"padding_idx"`
	TwoTables  bool    `json:"two_tables"`
	Sign       float64 `json:"sign"`
	SparseOpt  struct {
		Kind   string        `json:"kind"`
		Groups []sparseHyper `json:"groups"`
	} `json:"sparse_opt"`
	DenseOpt struct {
		Kind string `json:"kind"`
		sparseHyper
	} `json:"dense_opt"`
	Init  map[string][]float64 `json:"init"`
	Steps []map[string]any     `json:"steps"`
}

func readSparseFixture(t testing.TB) *sparseFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sparse.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx sparseFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("sparse.json: %v", err)
	}
	return &fx
}

// sparseRule returns the Rule of one group of the fixture.
func sparseRule(t *testing.T, kind string, h sparseHyper) Rule {
	switch kind {
	case "sparse_adam":
		return &SparseAdam{LR: h.LR, Betas: h.Betas, Eps: h.Eps, Maximize: h.Maximize}
	case "adam":
		return &Adam{LR: h.LR, Betas: h.Betas, Eps: h.Eps, Maximize: h.Maximize}
	case "sgd":
		return &SGD{LR: h.LR, Momentum: h.Momentum, Dampening: h.Dampening, Nesterov: h.Nesterov, Maximize: h.Maximize}
	case "adagrad":
		return &Adagrad{LR: h.LR, LRDecay: h.LRDecay, InitialAccumulatorValue: h.InitialAccu, Eps: h.Eps, Maximize: h.Maximize}
	}
	t.Fatalf("unknown optimizer kind %q", kind)
	return nil
}

// bagModel is the fixture's classifier.
type bagModel struct {
	emb, emb2 *nn.Embedding
	lin       *nn.Linear
	two       bool
}

func (m *bagModel) tensors() map[string]*tensor.Tensor {
	return map[string]*tensor.Tensor{"emb": m.emb.Weight, "emb2": m.emb2.Weight, "lin_w": m.lin.Weight, "lin_b": m.lin.Bias}
}

func intsTensor(rows [][]int) *tensor.Tensor {
	var d []float64
	for _, r := range rows {
		for _, v := range r {
			d = append(d, float64(v))
		}
	}
	return tensor.New(d, len(rows), len(rows[0]))
}

// loss is cross_entropy(Linear(mean Embedding(words) [+ mean
// Embedding2(tags)]), labels), times sign.
func (m *bagModel) loss(words, tags [][]int, labels []int, sign float64) *tensor.Tensor {
	h := tensor.MeanAxis(m.emb.Forward(intsTensor(words)), 1, false)
	if m.two {
		h = tensor.Add(h, tensor.MeanAxis(m.emb2.Forward(intsTensor(tags)), 1, false))
	}
	l := nn.CrossEntropy(m.lin.Forward(h), labels)
	if sign < 0 {
		l = tensor.Neg(l)
	}
	return l
}

func newBagModel(t *testing.T, fx *sparseFixture, r *sparseRun) *bagModel {
	rng := rand.New(rand.NewSource(1))
	var opts []nn.EmbeddingOption
	if r.PaddingIdx != nil {
		opts = append(opts, nn.PaddingIdx(*r.PaddingIdx))
	}
	m := &bagModel{
		emb:  nn.NewEmbedding(fx.Num, fx.Dim, rng, append(opts, nn.SparseGrad())...),
		emb2: nn.NewEmbedding(fx.Num2, fx.Dim, rng, nn.SparseGrad()),
		lin:  nn.NewLinear(fx.Dim, fx.Classes, rng),
		two:  r.TwoTables,
	}
	ts := m.tensors()
	for name, v := range r.Init {
		if len(v) != ts[name].Numel() {
			t.Fatalf("init %s: %d values for shape %v", name, len(v), ts[name].Shape())
		}
		copy(ts[name].Data(), v)
	}
	return m
}

func TestSparseTrajectoriesMatchTorch(t *testing.T) {
	fx := readSparseFixture(t)
	if len(fx.Runs) == 0 {
		t.Fatal("no runs in sparse.json")
	}
	for i := range fx.Runs {
		r := &fx.Runs[i]
		t.Run(r.Name, func(t *testing.T) {
			m := newBagModel(t, fx, r)
			ts := m.tensors()
			var sparseOpt *RuleOptimizer
			for gi, g := range r.SparseOpt.Groups {
				var ps []*tensor.Tensor
				for _, name := range g.Params {
					ps = append(ps, ts[name])
				}
				switch {
				case gi == 0 && r.SparseOpt.Kind == "sparse_adam":
					sparseOpt = NewSparseAdam(ps, SparseAdam{LR: g.LR, Betas: g.Betas, Eps: g.Eps, Maximize: g.Maximize})
				case gi == 0:
					sparseOpt = New(ps, sparseRule(t, r.SparseOpt.Kind, g))
				default:
					sparseOpt.AddParamGroup(ps, sparseRule(t, r.SparseOpt.Kind, g))
				}
			}
			denseOpt := New([]*tensor.Tensor{m.lin.Weight, m.lin.Bias}, sparseRule(t, r.DenseOpt.Kind, r.DenseOpt.sparseHyper))
			// The largest difference under sparseClose's measure, and absolute.
			worstRel, worstAbs := 0.0, 0.0
			for k, want := range r.Steps {
				b := fx.Batches[k%len(fx.Batches)]
				sparseOpt.ZeroGrad()
				denseOpt.ZeroGrad()
				loss := m.loss(b.Words, b.Tags, b.Labels, r.Sign)
				loss.Backward()
				if !m.emb.Weight.Grad().IsSparse() {
					t.Fatalf("step %d: the embedding's gradient is dense", k)
				}
				sparseOpt.Step(nil)
				denseOpt.Step(nil)
				if got, w := loss.Item(), want["loss"].(float64); !sparseClose(got, w) {
					t.Fatalf("step %d: loss %.17g, torch %.17g", k, got, w)
				}
				for name, v := range want {
					if name == "loss" {
						continue
					}
					got := ts[name].Data()
					for j, wv := range v.([]any) {
						w := wv.(float64)
						if !sparseClose(got[j], w) {
							t.Fatalf("step %d: %s[%d] = %.17g, torch %.17g", k, name, j, got[j], w)
						}
						worstRel = math.Max(worstRel, math.Abs(got[j]-w)/math.Max(1, math.Abs(w)))
						worstAbs = math.Max(worstAbs, math.Abs(got[j]-w))
					}
				}
			}
			t.Logf("%d steps, largest difference %.3g relative (absolute below 1), %.3g absolute", len(r.Steps), worstRel, worstAbs)
		})
	}
}

// sparseClose compares relatively, and absolutely for |b| < 1, to 1e-10.
func sparseClose(a, b float64) bool {
	return math.Abs(a-b) <= 1e-10*math.Max(1, math.Abs(b))
}

func TestSparseAdamLazyUpdate(t *testing.T) {
	// Two steps on rows {1, 1, 3} and then {3}: row 1's moments stay as they
	// were after step 1, row 3 follows the formula with t = 2, rows 0, 2
	// never move.
	w := tensor.Ones(4, 2).SetRequiresGrad(true)
	opt := NewSparseAdam([]*tensor.Tensor{w}, SparseAdam{LR: 0.1, Betas: [2]float64{0.5, 0.75}})
	w.SetGrad(tensor.NewSparse([]int{1, 3, 1}, tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2), 4, 2))
	opt.Step(nil)
	w.SetGrad(tensor.NewSparse([]int{3}, tensor.New([]float64{-1, 1}, 1, 2), 4, 2))
	opt.Step(nil)

	want := tensor.Ones(4, 2).Data()
	m, v := make([]float64, 8), make([]float64, 8)
	apply := func(t float64, rows []int, g [][]float64) {
		for k, r := range rows {
			for j := 0; j < 2; j++ {
				i := r*2 + j
				m[i] = 0.5*m[i] + 0.5*g[k][j]
				v[i] = 0.75*v[i] + 0.25*g[k][j]*g[k][j]
				step := 0.1 * math.Sqrt(1-math.Pow(0.75, t)) / (1 - math.Pow(0.5, t))
				want[i] -= step * m[i] / (math.Sqrt(v[i]) + 1e-8)
			}
		}
	}
	apply(1, []int{1, 3}, [][]float64{{6, 8}, {3, 4}}) // row 1 coalesced: (1+5, 2+6)
	apply(2, []int{3}, [][]float64{{-1, 1}})
	if !tensor.Equal(w.Detach(), tensor.New(want, 4, 2), 1e-14) {
		t.Errorf("w = %v, want %v", w.Data(), want)
	}
	s := opt.State(w)
	if s.Step != 2 || !slices.Equal(s.Bufs["exp_avg"], m) {
		t.Errorf("state step %d exp_avg %v, want 2 and %v", s.Step, s.Bufs["exp_avg"], m)
	}
}

func TestSparseAdamStateDictAndLR(t *testing.T) {
	run := func(opt *RuleOptimizer, w *tensor.Tensor, steps int) {
		for k := 0; k < steps; k++ {
			w.SetGrad(tensor.NewSparse([]int{k % 3, 2}, tensor.New([]float64{1, float64(k), -2, 0.5}, 2, 2), 3, 2))
			opt.Step(nil)
		}
	}
	a := tensor.Ones(3, 2).SetRequiresGrad(true)
	optA := NewSparseAdam([]*tensor.Tensor{a}, SparseAdam{LR: 0.05})
	run(optA, a, 3)
	// A fresh optimizer loaded from A's state, on a copy of A's parameters,
	// continues exactly as A does.
	b := a.Clone().SetRequiresGrad(true)
	optB := NewSparseAdam([]*tensor.Tensor{b}, SparseAdam{})
	raw, err := json.Marshal(optA.StateDict())
	if err != nil {
		t.Fatal(err)
	}
	var sd StateDict
	if err := json.Unmarshal(raw, &sd); err != nil {
		t.Fatal(err)
	}
	if err := optB.LoadStateDict(&sd); err != nil {
		t.Fatal(err)
	}
	if optB.LR() != 0.05 {
		t.Errorf("loaded LR %g, want 0.05", optB.LR())
	}
	run(optA, a, 4)
	run(optB, b, 4)
	if !tensor.Equal(a.Detach(), b.Detach(), 0) {
		t.Errorf("after loading: %v, want %v", b.Data(), a.Data())
	}
	optB.SetLR(0.2)
	if optB.LR() != 0.2 || optB.ParamGroups()[0].Hyper.(*SparseAdam).LR != 0.2 {
		t.Error("SetLR did not reach the group")
	}
	// A scheduler drives SparseAdam as any optimizer.
	sched := NewStepLR(optB, 1, 0.5)
	sched.Step()
	if got := optB.LR(); math.Abs(got-0.1) > 1e-15 {
		t.Errorf("after StepLR: lr %g, want 0.1", got)
	}
}

func TestSparseGradientsRefused(t *testing.T) {
	sparseGrad := func() *tensor.Tensor {
		return tensor.NewSparse([]int{0, 0}, tensor.Ones(2, 2), 3, 2)
	}
	param := func() *tensor.Tensor {
		w := tensor.Ones(3, 2).SetRequiresGrad(true)
		w.SetGrad(sparseGrad())
		return w
	}
	tests := []struct {
		name string
		f    func(w *tensor.Tensor)
		want string
	}{
		{"Adam", func(w *tensor.Tensor) { NewAdam([]*tensor.Tensor{w}, Adam{}).Step(nil) }, "optim: Adam does not support sparse gradients, please consider SparseAdam instead (row-sparse gradient of parameter of shape [3 2])"},
		{"AdamW", func(w *tensor.Tensor) { NewAdamW([]*tensor.Tensor{w}, AdamW{}).Step(nil) }, "optim: AdamW does not support sparse gradients (row-sparse"},
		{"RMSprop", func(w *tensor.Tensor) { NewRMSprop([]*tensor.Tensor{w}, RMSprop{}).Step(nil) }, "optim: RMSprop does not support sparse gradients"},
		{"Adadelta", func(w *tensor.Tensor) { NewAdadelta([]*tensor.Tensor{w}, Adadelta{}).Step(nil) }, "optim: Adadelta does not support sparse gradients"},
		{"Lion", func(w *tensor.Tensor) { NewLion([]*tensor.Tensor{w}, Lion{LR: 1e-3}).Step(nil) }, "optim: Lion does not support sparse gradients"},
		{"Chain", func(w *tensor.Tensor) { New([]*tensor.Tensor{w}, Chain(&SGD{LR: 0.1}, &ClipValue{Clip: 1})).Step(nil) }, "optim: Chained does not support sparse gradients"},
		{"SGD weight decay", func(w *tensor.Tensor) { NewSGD([]*tensor.Tensor{w}, SGD{LR: 0.1, WeightDecay: 0.1}).Step(nil) }, "optim: SGD: weight decay 0.1 is not supported with sparse gradients"},
		{"Adagrad weight decay", func(w *tensor.Tensor) { NewAdagrad([]*tensor.Tensor{w}, Adagrad{WeightDecay: 0.1}).Step(nil) }, "optim: Adagrad: weight_decay option is not compatible with sparse gradients"},
		{"SparseAdam dense", func(w *tensor.Tensor) {
			w.SetGrad(tensor.Ones(3, 2))
			NewSparseAdam([]*tensor.Tensor{w}, SparseAdam{}).Step(nil)
		}, "optim: SparseAdam does not support dense gradients, please consider Adam instead (dense gradient of parameter of shape [3 2])"},
		{"SparseAdam sparse param", func(*tensor.Tensor) { NewSparseAdam([]*tensor.Tensor{tensor.Ones(2), sparseGrad()}, SparseAdam{}) }, "optim: NewSparseAdam: sparse params at indices [1]: SparseAdam requires dense parameter tensors"},
		{"SparseAdam lr", func(w *tensor.Tensor) { NewSparseAdam([]*tensor.Tensor{w}, SparseAdam{LR: -1}) }, "optim: NewSparseAdam: invalid lr -1"},
		{"SparseAdam beta", func(w *tensor.Tensor) { NewSparseAdam([]*tensor.Tensor{w}, SparseAdam{Betas: [2]float64{0.9, 1}}) }, "optim: NewSparseAdam: invalid lr 0.001, betas [0.9 1]"},
		{"ClipGradValue", func(w *tensor.Tensor) { ClipGradValue([]*tensor.Tensor{w}, 1) }, "optim: ClipGradValue: the gradient of the parameter of shape [3 2] is row-sparse"},
		{"AddGradNoise", func(w *tensor.Tensor) { AddGradNoise([]*tensor.Tensor{w}, 1, rand.New(rand.NewSource(1))) }, "optim: AddGradNoise: the gradient of the parameter of shape [3 2] is row-sparse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := param()
			before := slices.Clone(w.Data())
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				tc.f(w)
				return ""
			}()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("panic %q, want it to contain %q", msg, tc.want)
			}
			if !slices.Equal(w.Data(), before) {
				t.Error("the parameter changed before the panic")
			}
		})
	}
}

func TestSparsePathsEqualDense(t *testing.T) {
	// SGD (with and without momentum) and Adagrad on a sparse gradient give
	// what they give on its dense form, except that untouched rows of
	// Adagrad's state are not read.
	rules := []struct {
		name string
		rule func() Rule
	}{
		{"SGD", func() Rule { return &SGD{LR: 0.1} }},
		{"SGD maximize", func() Rule { return &SGD{LR: 0.1, Maximize: true} }},
		{"SGD momentum", func() Rule { return &SGD{LR: 0.1, Momentum: 0.9, Dampening: 0.2} }},
		{"SGD Nesterov", func() Rule { return &SGD{LR: 0.1, Momentum: 0.9, Nesterov: true} }},
		{"Adagrad", func() Rule { return &Adagrad{LR: 0.1, LRDecay: 0.1, InitialAccumulatorValue: 0.2, Eps: 1e-10} }},
		{"Adagrad maximize", func() Rule { return &Adagrad{LR: 0.1, Eps: 1e-10, Maximize: true} }},
	}
	rng := rand.New(rand.NewSource(1))
	grads := make([]*tensor.Tensor, 5)
	for k := range grads {
		rows := []int{rng.Intn(5), rng.Intn(5), rng.Intn(5)}
		grads[k] = tensor.NewSparse(rows, tensor.Randn(rng, 3, 2), 5, 2)
	}
	for _, tc := range rules {
		t.Run(tc.name, func(t *testing.T) {
			ws := tensor.Randn(rand.New(rand.NewSource(2)), 5, 2).SetRequiresGrad(true)
			wd := ws.Clone().SetRequiresGrad(true)
			os, od := New([]*tensor.Tensor{ws}, tc.rule()), New([]*tensor.Tensor{wd}, tc.rule())
			for _, g := range grads {
				ws.SetGrad(g)
				wd.SetGrad(tensor.Densify(g))
				os.Step(nil)
				od.Step(nil)
			}
			if !tensor.Equal(ws.Detach(), wd.Detach(), 1e-14) {
				t.Errorf("sparse %v, dense %v", ws.Data(), wd.Data())
			}
		})
	}
}

func TestClipGradNormSparse(t *testing.T) {
	// Row 0 stored twice: the norm is that of the summed row.
	w := tensor.Zeros(3, 2).SetRequiresGrad(true)
	w.SetGrad(tensor.NewSparse([]int{0, 2, 0}, tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2), 3, 2))
	d := tensor.Zeros(2).SetRequiresGrad(true)
	d.SetGrad(tensor.New([]float64{0, 1}))
	dense := tensor.Densify(w.Grad()).Data()
	wantNorm := math.Sqrt(36 + 64 + 9 + 16 + 1)
	got := ClipGradNorm([]*tensor.Tensor{w, d}, 1, 2)
	if math.Abs(got-wantNorm) > 1e-12 {
		t.Errorf("norm %g, want %g", got, wantNorm)
	}
	if !w.Grad().IsSparse() {
		t.Fatal("ClipGradNorm densified the gradient")
	}
	coef := 1 / (wantNorm + 1e-6)
	for i, v := range tensor.Densify(w.Grad()).Data() {
		if math.Abs(v-dense[i]*coef) > 1e-14 {
			t.Errorf("clipped element %d = %g, want %g", i, v, dense[i]*coef)
		}
	}
	if got := ClipGradNorm([]*tensor.Tensor{w}, 1, math.Inf(1)); math.Abs(got-8*coef) > 1e-14 {
		t.Errorf("inf norm %g, want %g (largest summed entry)", got, 8*coef)
	}
}

// TestFullBatchTakesSparseGradients checks that L-BFGS and the other
// full-batch methods use a row-sparse gradient as its dense form.
func TestFullBatchTakesSparseGradients(t *testing.T) {
	run := func(sparse bool) []float64 {
		w := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2).SetRequiresGrad(true)
		opt := NewLBFGS([]*tensor.Tensor{w}, LBFGSConfig{LR: 0.5, MaxIter: 3})
		opt.Step(func() float64 {
			opt.ZeroGrad()
			rows := tensor.Embedding(w, []int{0, 2, 2}, -1, sparse)
			loss := tensor.Sum(tensor.Square(rows))
			loss.Backward()
			if w.Grad().IsSparse() != sparse {
				t.Fatalf("sparse=%v: gradient IsSparse() = %v", sparse, w.Grad().IsSparse())
			}
			return loss.Item()
		})
		return w.Data()
	}
	dense, sp := run(false), run(true)
	for i := range dense {
		if dense[i] != sp[i] {
			t.Fatalf("L-BFGS with a sparse gradient: w = %v, with the dense one %v", sp, dense)
		}
	}
}
