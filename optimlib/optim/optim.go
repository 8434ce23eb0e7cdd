// Package optim holds the optimizers of the lecture and of torch.optim, the
// learning-rate schedulers, iterate averaging and gradient clipping.
//
// The shape follows PyTorch. An optimizer owns parameter groups, each with
// its own hyperparameters, and a state per parameter; ZeroGrad drops the
// gradients, Step applies one update, and Step(closure) first re-evaluates
// the loss (and the gradients) through the closure, which the full-batch
// methods (L-BFGS, conjugate gradients, Newton) call many times per step.
// LR and SetLR read and change the learning rate, for schedulers and sweeps.
//
// The core is small. Most methods are a Rule: the update of one parameter
// from its gradient and its state, written as one compiled loop over the
// float64 storage. New joins parameters and a Rule into a *RuleOptimizer;
// the constructors (NewSGD, NewAdam, ...) fill in PyTorch's defaults. The
// schedulers, the clipping and noise functions and the averagers compose
// with any optimizer through the Optimizer interface.
//
// What is here:
//
//   - full batch: NewGD (with StepInverseL, StepOptimal), NewNewton (exact
//     or autodiff Hessian, damping, backtracking), NewLBFGS (PyTorch's
//     semantics, strong-Wolfe line search), NewNonlinearCG
//     (Fletcher–Reeves, Polak–Ribière+, Hestenes–Stiefel), LinearCG;
//   - stochastic, as torch.optim: NewSGD, NewAdam (with the lecture's
//     steady-state form), NewAdamW, NewAdagrad, NewAdadelta, NewAdamax,
//     NewNAdam, NewRAdam, NewASGD, NewRMSprop, NewRprop, NewSparseAdam (for
//     the row-sparse gradients of nn.Embedding with SparseGrad, which SGD
//     and Adagrad take too; the others refuse them); and NewHeavyBall
//     (with HeavyBallOptimal), NewLion, NewLAMB, NewScheduleFreeSGD,
//     NewScheduleFreeAdamW;
//   - composition: Chain with ClipValue, ClipNorm, WeightDecay, Noise;
//     ClipGradNorm, ClipGradValue, AddGradNoise, GradNoise;
//   - averaging: NewPolyak, NewEMA, UpdateBN;
//   - schedulers: NewStepLR, NewMultiStepLR, NewExponentialLR,
//     NewCosineAnnealingLR, NewLinearLR, NewConstantLR, NewPolynomialLR,
//     NewLambdaLR, NewMultiplicativeLR, NewOneCycleLR, NewCyclicLR,
//     NewCosineAnnealingWarmRestarts, NewSequentialLR, NewChainedScheduler,
//     NewReduceLROnPlateau.
//
// Notation in the doc comments is the lecture's: w the parameters, g = ∇f(w)
// the gradient, γ the learning rate, β momentum coefficients, p the momentum
// buffer, m and v the first- and second-moment averages, t the step count
// (1 at the first step), ε a small constant, λ the weight decay.
package optim

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Optimizer is what every method in this package implements.
type Optimizer interface {
	// Step applies one update. When closure is non-nil it is called first
	// (full-batch methods call it repeatedly); it must recompute the
	// gradients and return the loss. Step returns the closure's first loss,
	// or NaN without a closure.
	Step(closure func() float64) float64
	// ZeroGrad drops every parameter's gradient.
	ZeroGrad()
	// ParamGroups returns the parameter groups; a scheduler changes their
	// learning rates through them.
	ParamGroups() []*Group
	// LR returns the first group's learning rate.
	LR() float64
	// SetLR sets the learning rate of every group.
	SetLR(lr float64)
	// StateDict returns a copy of the optimizer's state and hyperparameters.
	StateDict() *StateDict
	// LoadStateDict replaces the state and hyperparameters by a copy of sd.
	LoadStateDict(sd *StateDict) error
}

// Hyper is a parameter group's hyperparameters. Every Rule is a Hyper; the
// full-batch methods have their own.
type Hyper interface {
	// LearningRate returns the group's learning rate γ.
	LearningRate() float64
	// SetLearningRate sets the group's learning rate γ.
	SetLearningRate(lr float64)
}

// Momentum is implemented by hyperparameters that have a momentum
// coefficient (SGD's momentum, Adam's β1); OneCycleLR cycles it.
type Momentum interface {
	MomentumBeta() float64
	SetMomentumBeta(beta float64)
}

// Rule is an update rule applied to each parameter separately.
type Rule interface {
	Hyper
	// Update changes w in place from the gradient g and the parameter's
	// state s. s.Step has already been incremented: it is 1 at the first
	// update. g must not be modified.
	Update(s *State, w, g []float64)
}

// SparseRule is a Rule that also takes row-sparse gradients (those of
// nn.Embedding with SparseGrad, see tensor.NewSparse), as the PyTorch
// optimizers that accept sparse gradients do (SGD, Adagrad, SparseAdam).
// RuleOptimizer.Step hands a row-sparse gradient to UpdateSparse and
// refuses it for a Rule that is not a SparseRule.
type SparseRule interface {
	Rule
	// UpdateSparse changes w in place from the row-sparse gradient g (of
	// w's shape; its stored rows may repeat) and the state s, whose Step
	// has already been incremented. g must not be modified.
	UpdateSparse(s *State, w []float64, g *tensor.Tensor)
}

// sparseOnly is implemented by rules that refuse dense gradients
// (SparseAdam).
type sparseOnly interface {
	denseGradientError(p *tensor.Tensor) error
}

// Group is a parameter group: parameters that share hyperparameters.
type Group struct {
	Params []*tensor.Tensor
	Hyper  Hyper

	// initialLR is PyTorch's group['initial_lr'], set by the first scheduler.
	initialLR    float64
	hasInitialLR bool
}

// State is the state an optimizer keeps for one parameter: its step count,
// named buffers of the parameter's size (momentum, moment averages) and
// named scalars.
type State struct {
	Step int                  `json:"step"`
	Bufs map[string][]float64 `json:"bufs,omitempty"`
	Vals map[string]float64   `json:"vals,omitempty"`
}

// Buf returns the buffer called name, allocating n zeros the first time;
// fresh reports whether it was just allocated.
func (s *State) Buf(name string, n int) (buf []float64, fresh bool) {
	if b, ok := s.Bufs[name]; ok {
		return b, false
	}
	if s.Bufs == nil {
		s.Bufs = map[string][]float64{}
	}
	b := make([]float64, n)
	s.Bufs[name] = b
	return b, true
}

// Val returns the scalar called name, or def when it is not set.
func (s *State) Val(name string, def float64) float64 {
	if v, ok := s.Vals[name]; ok {
		return v
	}
	return def
}

// SetVal sets the scalar called name.
func (s *State) SetVal(name string, v float64) {
	if s.Vals == nil {
		s.Vals = map[string]float64{}
	}
	s.Vals[name] = v
}

func (s *State) clone() *State {
	if s == nil {
		return nil
	}
	c := &State{Step: s.Step}
	for k, b := range s.Bufs {
		if c.Bufs == nil {
			c.Bufs = map[string][]float64{}
		}
		c.Bufs[k] = append([]float64(nil), b...)
	}
	for k, v := range s.Vals {
		c.SetVal(k, v)
	}
	return c
}

// StateDict is an optimizer's saved state, as PyTorch's state_dict: the
// state of each parameter, indexed by the parameter's position across the
// groups (nil for parameters not yet updated), and each group's
// hyperparameters as JSON. It marshals to JSON as it is.
type StateDict struct {
	State  []*State    `json:"state"`
	Groups []GroupDict `json:"param_groups"`
	// Extra holds state that is not per parameter (L-BFGS's history).
	Extra json.RawMessage `json:"extra,omitempty"`
}

// GroupDict is one group in a StateDict.
type GroupDict struct {
	Params []int           `json:"params"`
	Hyper  json.RawMessage `json:"hyper"`
}

// RuleOptimizer applies a Rule to every parameter that has a gradient.
type RuleOptimizer struct {
	groups []*Group
	state  map[*tensor.Tensor]*State
}

// New returns an optimizer that updates params with r.
func New(params []*tensor.Tensor, r Rule) *RuleOptimizer {
	o := &RuleOptimizer{state: map[*tensor.Tensor]*State{}}
	o.AddParamGroup(params, r)
	return o
}

// AddParamGroup adds a group of parameters with its own hyperparameters,
// as PyTorch's add_param_group. r itself is kept (not copied): changing
// its fields changes the group's hyperparameters. A parameter may be in
// one group only.
func (o *RuleOptimizer) AddParamGroup(params []*tensor.Tensor, r Rule) {
	if r == nil {
		panic(fmt.Errorf("optim: AddParamGroup: nil rule"))
	}
	for _, p := range params {
		for gi, g := range o.groups {
			for _, q := range g.Params {
				if p == q {
					panic(fmt.Errorf("optim: AddParamGroup: parameter of shape %v is already in group %d", p.Shape(), gi))
				}
			}
		}
	}
	o.groups = append(o.groups, &Group{Params: append([]*tensor.Tensor(nil), params...), Hyper: r})
}

// Step applies each group's rule to its parameters that have a gradient.
// A row-sparse gradient goes to the rule's UpdateSparse; a rule that is not
// a SparseRule panics on it, as PyTorch's optimizers raise "does not
// support sparse gradients", before changing anything of that parameter.
func (o *RuleOptimizer) Step(closure func() float64) float64 {
	loss := math.NaN()
	if closure != nil {
		loss = closure()
	}
	for _, g := range o.groups {
		r := g.Hyper.(Rule)
		for _, p := range g.Params {
			gr := p.Grad()
			if gr == nil {
				continue
			}
			sr, sparseOK := r.(SparseRule)
			if gr.IsSparse() && !sparseOK {
				panic(sparseGradientError(r, p))
			}
			if so, ok := r.(sparseOnly); ok && !gr.IsSparse() {
				panic(so.denseGradientError(p))
			}
			s := o.state[p]
			if s == nil {
				s = &State{}
				o.state[p] = s
			}
			s.Step++
			if gr.IsSparse() {
				sr.UpdateSparse(s, p.Data(), gr)
				continue
			}
			r.Update(s, p.Data(), gr.Data())
		}
	}
	return loss
}

// ZeroGrad drops the gradient of every parameter.
func (o *RuleOptimizer) ZeroGrad() { zeroGrad(o.groups) }

// ParamGroups returns the parameter groups.
func (o *RuleOptimizer) ParamGroups() []*Group { return o.groups }

// LR returns the first group's learning rate.
func (o *RuleOptimizer) LR() float64 { return o.groups[0].Hyper.LearningRate() }

// SetLR sets every group's learning rate.
func (o *RuleOptimizer) SetLR(lr float64) { setLR(o.groups, lr) }

// State returns p's state, or nil before p's first update.
func (o *RuleOptimizer) State(p *tensor.Tensor) *State { return o.state[p] }

// StateDict returns a copy of the state and hyperparameters.
func (o *RuleOptimizer) StateDict() *StateDict { return stateDict(o.groups, o.state) }

// LoadStateDict replaces the state and hyperparameters by those in sd,
// which must come from an optimizer with the same groups and rule types.
func (o *RuleOptimizer) LoadStateDict(sd *StateDict) error {
	return loadStateDict(o.groups, o.state, sd)
}

// sparseGradientError is the panic value of Step when a rule without a
// sparse path meets a row-sparse gradient, worded as PyTorch's.
func sparseGradientError(r Rule, p *tensor.Tensor) error {
	name := typeName(r)
	hint := ""
	if name == "Adam" {
		hint = ", please consider SparseAdam instead"
	}
	return fmt.Errorf("optim: %s does not support sparse gradients%s (row-sparse gradient of parameter of shape %v)", name, hint, p.Shape())
}

func zeroGrad(groups []*Group) {
	for _, g := range groups {
		for _, p := range g.Params {
			p.ZeroGrad()
		}
	}
}

func setLR(groups []*Group, lr float64) {
	for _, g := range groups {
		g.Hyper.SetLearningRate(lr)
	}
}

func stateDict(groups []*Group, state map[*tensor.Tensor]*State) *StateDict {
	sd := &StateDict{}
	idx := 0
	for _, g := range groups {
		h, err := json.Marshal(g.Hyper)
		if err != nil {
			panic(fmt.Errorf("optim: StateDict: %v", err))
		}
		gd := GroupDict{Hyper: h}
		for _, p := range g.Params {
			gd.Params = append(gd.Params, idx)
			sd.State = append(sd.State, state[p].clone())
			idx++
		}
		sd.Groups = append(sd.Groups, gd)
	}
	return sd
}

func loadStateDict(groups []*Group, state map[*tensor.Tensor]*State, sd *StateDict) error {
	if len(sd.Groups) != len(groups) {
		return fmt.Errorf("optim: LoadStateDict: %d groups in state dict, optimizer has %d", len(sd.Groups), len(groups))
	}
	// Check everything before changing anything.
	for i, g := range groups {
		if len(sd.Groups[i].Params) != len(g.Params) {
			return fmt.Errorf("optim: LoadStateDict: group %d has %d parameters in state dict, optimizer has %d", i, len(sd.Groups[i].Params), len(g.Params))
		}
		for j, p := range g.Params {
			k := sd.Groups[i].Params[j]
			if k < 0 || k >= len(sd.State) {
				return fmt.Errorf("optim: LoadStateDict: parameter index %d out of range [0, %d)", k, len(sd.State))
			}
			if s := sd.State[k]; s != nil {
				for name, b := range s.Bufs {
					if len(b) != p.Numel() {
						return fmt.Errorf("optim: LoadStateDict: buffer %q of parameter %d has %d values, parameter of shape %v has %d", name, k, len(b), p.Shape(), p.Numel())
					}
				}
			}
		}
	}
	for i, g := range groups {
		if err := json.Unmarshal(sd.Groups[i].Hyper, g.Hyper); err != nil {
			return fmt.Errorf("optim: LoadStateDict: group %d: %v", i, err)
		}
		for j, p := range g.Params {
			if s := sd.State[sd.Groups[i].Params[j]].clone(); s != nil {
				state[p] = s
			} else {
				delete(state, p)
			}
		}
	}
	return nil
}

func checkLen(op string, w, g []float64) {
	if len(w) != len(g) {
		panic(fmt.Errorf("optim: %s: gradient has %d values, parameter %d", op, len(g), len(w)))
	}
}
