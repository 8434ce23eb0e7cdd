package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
)

// Transform changes one parameter's gradient before an update rule sees
// it, in the manner of Optax's gradient transformations. g is a scratch
// copy that the transform may overwrite.
type Transform interface {
	Apply(s *State, w, g []float64)
}

// Chained is a Rule preceded by gradient transformations; build it with
// Chain.
type Chained struct {
	Rule       Rule
	Transforms []Transform
	scratch    []float64
}

// Chain returns the rule that applies ts in order to a copy of each
// gradient and then updates the parameter with r:
//
//	optim.New(params, optim.Chain(&optim.SGD{LR: 0.1}, &optim.ClipValue{Clip: 1}))
func Chain(r Rule, ts ...Transform) *Chained {
	if r == nil {
		panic(fmt.Errorf("optim: Chain: nil rule"))
	}
	return &Chained{Rule: r, Transforms: ts}
}

// LearningRate returns the rule's γ.
func (c *Chained) LearningRate() float64 { return c.Rule.LearningRate() }

// SetLearningRate sets the rule's γ.
func (c *Chained) SetLearningRate(lr float64) { c.Rule.SetLearningRate(lr) }

// Update transforms the gradient and applies the rule.
func (c *Chained) Update(s *State, w, g []float64) {
	checkLen("Chain", w, g)
	if cap(c.scratch) < len(g) {
		c.scratch = make([]float64, len(g))
	}
	buf := c.scratch[:len(g)]
	copy(buf, g)
	for _, t := range c.Transforms {
		t.Apply(s, w, buf)
	}
	c.Rule.Update(s, w, buf)
}

// MarshalJSON writes the rule's and the transforms' settings.
func (c *Chained) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Rule       Rule        `json:"rule"`
		Transforms []Transform `json:"transforms"`
	}{c.Rule, c.Transforms})
}

// UnmarshalJSON reads settings written by MarshalJSON into the existing
// rule and transforms, which must be of the same types.
func (c *Chained) UnmarshalJSON(b []byte) error {
	var raw struct {
		Rule       json.RawMessage   `json:"rule"`
		Transforms []json.RawMessage `json:"transforms"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw.Transforms) != len(c.Transforms) {
		return fmt.Errorf("optim: Chain: %d transforms saved, %d in the chain", len(raw.Transforms), len(c.Transforms))
	}
	if err := json.Unmarshal(raw.Rule, c.Rule); err != nil {
		return err
	}
	for i, t := range c.Transforms {
		if err := json.Unmarshal(raw.Transforms[i], t); err != nil {
			return err
		}
	}
	return nil
}

// ClipValue clamps each gradient coordinate to [−Clip, Clip].
type ClipValue struct {
	Clip float64 `json:"clip"`
}

// Apply clamps g.
func (t *ClipValue) Apply(_ *State, _, g []float64) {
	for i, v := range g {
		g[i] = math.Max(-t.Clip, math.Min(t.Clip, v))
	}
}

// ClipNorm rescales each parameter's gradient to Euclidean norm at most
// MaxNorm (per tensor; ClipGradNorm clips all gradients jointly).
type ClipNorm struct {
	MaxNorm float64 `json:"max_norm"`
}

// Apply rescales g.
func (t *ClipNorm) Apply(_ *State, _, g []float64) {
	n := math.Sqrt(dot(g, g))
	if n > t.MaxNorm {
		for i := range g {
			g[i] *= t.MaxNorm / n
		}
	}
}

// WeightDecay adds the L2 term λw to the gradient: g ← g + λ w.
type WeightDecay struct {
	Lambda float64 `json:"lambda"`
}

// Apply adds λw.
func (t *WeightDecay) Apply(_ *State, w, g []float64) {
	for i := range g {
		g[i] += t.Lambda * w[i]
	}
}

// Noise adds Gaussian noise of standard deviation Sigma to the gradient:
// g ← g + σ ξ.
type Noise struct {
	Sigma float64    `json:"sigma"`
	Rng   *rand.Rand `json:"-"`
}

// Apply adds the noise.
func (t *Noise) Apply(_ *State, _, g []float64) {
	if t.Rng == nil {
		panic(fmt.Errorf("optim: Noise: nil random source"))
	}
	for i := range g {
		g[i] += t.Sigma * t.Rng.NormFloat64()
	}
}
