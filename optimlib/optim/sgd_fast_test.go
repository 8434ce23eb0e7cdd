package optim

import (
	"math"
	"math/rand"
	"testing"
)

// TestSGDUpdateLoops checks that the specialized and the split loops of
// SGD.Update give bit for bit what torch.optim.SGD's per-element formula
// gives, over two steps (fresh buffer, then the buffer in use), for small
// and for split-between-cores parameters.
func TestSGDUpdateLoops(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, cfg := range []SGD{
		{LR: 0.1},
		{LR: 0.1, WeightDecay: 0.01},
		{LR: 0.1, Maximize: true},
		{LR: 0.1, Momentum: 0.9},
		{LR: 0.1, Momentum: 0.9, Dampening: 0.3},
		{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.1},
		{LR: 0.1, Momentum: 0.5, Maximize: true},
	} {
		for _, n := range []int{7, 3*minChunk + 5} {
			w := make([]float64, n)
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			want := append([]float64(nil), w...)
			var buf []float64
			r := cfg
			s := &State{}
			for step := 0; step < 2; step++ {
				g := make([]float64, n)
				for i := range g {
					g[i] = rng.NormFloat64()
				}
				r.Update(s, w, g)
				buf = refSGD(cfg, want, g, buf)
			}
			for i := range w {
				if w[i] != want[i] {
					t.Fatalf("%+v, n=%d: w[%d] = %.17g, want %.17g", cfg, n, i, w[i], want[i])
				}
			}
		}
	}
}

// refSGD is torch.optim.SGD's update written element by element, each
// add with an alpha rounded once as ATen does.
func refSGD(c SGD, w, g, buf []float64) []float64 {
	fresh := buf == nil
	if fresh && c.Momentum != 0 {
		buf = make([]float64, len(w))
	}
	for i := range w {
		d := g[i]
		if c.Maximize {
			d = -d
		}
		if c.WeightDecay != 0 {
			d = math.FMA(c.WeightDecay, w[i], d)
		}
		if c.Momentum != 0 {
			if fresh {
				buf[i] = d
			} else {
				buf[i] = math.FMA(1-c.Dampening, d, float64(buf[i]*c.Momentum))
			}
			if c.Nesterov {
				d = math.FMA(c.Momentum, buf[i], d)
			} else {
				d = buf[i]
			}
		}
		w[i] = math.FMA(-c.LR, d, w[i])
	}
	return buf
}
