// Package nn provides neural-network modules (layers, normalization layers,
// containers) and loss functions on optimlib tensors, with PyTorch 1.13's
// semantics: the same default initializations, the same normalization
// statistics and running-statistics updates, the same parameter names in
// state dicts ("0.weight", "1.running_mean").
//
// Everything is built from differentiable tensor operations, so gradients
// of gradients through a model are exact (Hessian-vector products and
// Hessians of a loss with respect to parameters work through every layer).
//
// Bad input (shape mismatches, labels out of range, a NaN or Inf loss)
// panics with an error naming the operation and the shapes; a notebook
// shows it as the cell's error and the session goes on.
package nn

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/descentlab/descent/optimlib/tensor"
)

// Module is a layer or a model: a differentiable map with parameters and a
// training/evaluation mode, like torch.nn.Module.
//
// Parameters returns the module's parameters, its own first and then its
// sub-modules' in order. Train and Eval switch the module and its
// sub-modules between training mode (the default: batch statistics,
// dropout on) and evaluation mode. ZeroGrad drops the gradients of all
// parameters.
type Module interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	Parameters() []*tensor.Tensor
	Train()
	Eval()
	Training() bool
	ZeroGrad()
}

// NamedTensor is a parameter or buffer together with its name.
type NamedTensor struct {
	Name   string
	Tensor *tensor.Tensor
}

// NamedModule is a sub-module together with its name.
type NamedModule struct {
	Name   string
	Module Module
}

// Container is implemented by modules holding sub-modules; the names make
// up the state-dict keys ("0", "1", … for a Sequential).
type Container interface {
	NamedChildren() []NamedModule
}

// Stateful is implemented by modules with their own parameters or buffers
// (running statistics); it lists them by name, without those of
// sub-modules.
type Stateful interface {
	LocalState() (params, buffers []NamedTensor)
}

// Mode implements Train, Eval and Training for a module without
// sub-modules; embed it in your own modules. The zero value is in training
// mode, as new PyTorch modules are. In notebook cells embed a pointer
// (*nn.Mode, set to &nn.Mode{}): the interpreter promotes the methods of an
// embedded compiled type only through a pointer.
type Mode struct{ eval bool }

// Train switches to training mode.
func (m *Mode) Train() { m.eval = false }

// Eval switches to evaluation mode.
func (m *Mode) Eval() { m.eval = true }

// Training reports whether the module is in training mode.
func (m *Mode) Training() bool { return !m.eval }

// stateless is embedded by modules without parameters.
type stateless struct{ Mode }

// Parameters returns nil: the module has no parameters.
func (stateless) Parameters() []*tensor.Tensor { return nil }

// ZeroGrad does nothing: the module has no parameters.
func (stateless) ZeroGrad() {}

// zeroGrad drops the gradients of ps.
func zeroGrad(ps []*tensor.Tensor) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

// nonNil returns the non-nil tensors among ts.
func nonNil(ts ...*tensor.Tensor) []*tensor.Tensor {
	var out []*tensor.Tensor
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// named returns the non-nil tensors among the name/tensor pairs.
func named(pairs ...any) []NamedTensor {
	var out []NamedTensor
	for i := 0; i < len(pairs); i += 2 {
		if t := pairs[i+1].(*tensor.Tensor); t != nil {
			out = append(out, NamedTensor{pairs[i].(string), t})
		}
	}
	return out
}

// Children returns the direct sub-modules of m (none unless m is a
// Container).
func Children(m Module) []Module {
	c, ok := m.(Container)
	if !ok {
		return nil
	}
	var out []Module
	for _, nm := range c.NamedChildren() {
		out = append(out, nm.Module)
	}
	return out
}

// Walk calls f on m and then on every sub-module, depth first, in order.
func Walk(m Module, f func(Module)) {
	f(m)
	for _, c := range Children(m) {
		Walk(c, f)
	}
}

// walkNamed visits m and its sub-modules with their dotted name prefixes.
func walkNamed(m Module, prefix string, f func(prefix string, m Module)) {
	f(prefix, m)
	if c, ok := m.(Container); ok {
		for _, nm := range c.NamedChildren() {
			walkNamed(nm.Module, prefix+nm.Name+".", f)
		}
	}
}

// NamedParameters returns the parameters of m and its sub-modules with
// their dotted names ("0.weight"), in the order PyTorch's
// named_parameters gives.
func NamedParameters(m Module) []NamedTensor {
	var out []NamedTensor
	walkNamed(m, "", func(prefix string, m Module) {
		if s, ok := m.(Stateful); ok {
			ps, _ := s.LocalState()
			for _, p := range ps {
				out = append(out, NamedTensor{prefix + p.Name, p.Tensor})
			}
		}
	})
	return out
}

// namedState lists every parameter and buffer of m by state-dict key, in
// PyTorch's order (each module's parameters, then its buffers, then its
// sub-modules).
func namedState(m Module) []NamedTensor {
	var out []NamedTensor
	walkNamed(m, "", func(prefix string, m Module) {
		if s, ok := m.(Stateful); ok {
			ps, bs := s.LocalState()
			for _, t := range append(ps, bs...) {
				out = append(out, NamedTensor{prefix + t.Name, t.Tensor})
			}
		}
	})
	return out
}

// StateKeys returns the keys of m's state dict in PyTorch's order.
func StateKeys(m Module) []string {
	var keys []string
	for _, t := range namedState(m) {
		keys = append(keys, t.Name)
	}
	return keys
}

// StateDict returns copies of all parameters and buffers of m (running
// statistics, the count of batches tracked) keyed by PyTorch-style dotted
// names: "weight", "0.bias", "1.running_mean", "1.num_batches_tracked".
// The copies are detached from m: a state dict is a snapshot.
func StateDict(m Module) map[string]*tensor.Tensor {
	sd := map[string]*tensor.Tensor{}
	for _, t := range namedState(m) {
		sd[t.Name] = t.Tensor.Clone()
	}
	return sd
}

// LoadStateDict copies the values of sd into m's parameters and buffers, in
// place (optimizers holding the parameters keep working). Like PyTorch's
// strict loading, every key of m must be present with the same shape and no
// other key may be; otherwise nothing is changed and the error lists the
// problems.
func LoadStateDict(m Module, sd map[string]*tensor.Tensor) error {
	state := namedState(m)
	var problems []string
	have := map[string]bool{}
	for _, t := range state {
		have[t.Name] = true
		v, ok := sd[t.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("missing key %q", t.Name))
			continue
		}
		if !slices.Equal(v.Shape(), t.Tensor.Shape()) {
			problems = append(problems, fmt.Sprintf("key %q has shape %v, module has %v", t.Name, v.Shape(), t.Tensor.Shape()))
		}
	}
	var extra []string
	for k := range sd {
		if !have[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		problems = append(problems, fmt.Sprintf("unexpected key %q", k))
	}
	if len(problems) > 0 {
		return fmt.Errorf("nn: LoadStateDict: %s", strings.Join(problems, "; "))
	}
	for _, t := range state {
		copy(t.Tensor.Data(), sd[t.Name].Data())
	}
	return nil
}

// NumParameters returns the number of scalar parameters of m.
func NumParameters(m Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Numel()
	}
	return n
}

// shapeErr builds the panic value for bad input to op.
func shapeErr(op, format string, args ...any) error {
	return fmt.Errorf("nn: "+op+": "+format, args...)
}
