package optim

import (
	"math"

	"github.com/descentlab/descent/optimlib/tensor"
)

// mlpData is the fixture's network: Linear(3,4) without bias → BatchNorm1d(4) in
// training mode → ReLU → Linear(4,1), with mean squared error on 8 fixed
// samples.
type mlpData struct {
	X      [][]float64 `json:"X"`
	Y      [][]float64 `json:"Y"`
	Params [][]float64 `json:"params"`
	Shapes [][]int     `json:"shapes"`
}

// mlp computes the network's loss and exact gradients directly, with the
// same formulas as torch.nn (batch statistics with the biased variance,
// eps 1e-5).
type mlp struct {
	x, y   [][]float64
	params []*tensor.Tensor
}

func newMLP(d *mlpData) *mlp {
	m := &mlp{x: d.X, y: d.Y}
	for i, p := range d.Params {
		m.params = append(m.params, tensor.New(append([]float64(nil), p...), d.Shapes[i]...))
	}
	return m
}

// lossAndGrad returns the loss and sets each parameter's gradient to sign
// times the loss's gradient.
func (m *mlp) lossAndGrad(sign float64) float64 {
	w1, gam, bet, w2, b2 := m.params[0].Data(), m.params[1].Data(), m.params[2].Data(), m.params[3].Data(), m.params[4].Data()
	const eps = 1e-5
	n, in, hid := len(m.x), 3, 4
	h := make([][]float64, n)
	for i := range h {
		h[i] = make([]float64, hid)
		for j := 0; j < hid; j++ {
			s := 0.0
			for k := 0; k < in; k++ {
				s += m.x[i][k] * w1[j*in+k]
			}
			h[i][j] = s
		}
	}
	mean, invStd := make([]float64, hid), make([]float64, hid)
	for j := 0; j < hid; j++ {
		for i := 0; i < n; i++ {
			mean[j] += h[i][j]
		}
		mean[j] /= float64(n)
		v := 0.0
		for i := 0; i < n; i++ {
			d := h[i][j] - mean[j]
			v += d * d
		}
		invStd[j] = 1 / math.Sqrt(v/float64(n)+eps)
	}
	xhat, z, out := make([][]float64, n), make([][]float64, n), make([]float64, n)
	loss := 0.0
	for i := 0; i < n; i++ {
		xhat[i], z[i] = make([]float64, hid), make([]float64, hid)
		out[i] = b2[0]
		for j := 0; j < hid; j++ {
			xhat[i][j] = (h[i][j] - mean[j]) * invStd[j]
			z[i][j] = gam[j]*xhat[i][j] + bet[j]
			out[i] += math.Max(z[i][j], 0) * w2[j]
		}
		d := out[i] - m.y[i][0]
		loss += d * d
	}
	loss /= float64(n)

	gw1, ggam, gbet, gw2, gb2 := make([]float64, hid*in), make([]float64, hid), make([]float64, hid), make([]float64, hid), make([]float64, 1)
	dxhat := make([][]float64, n)
	for i := 0; i < n; i++ {
		dout := 2 * (out[i] - m.y[i][0]) / float64(n)
		gb2[0] += dout
		dxhat[i] = make([]float64, hid)
		for j := 0; j < hid; j++ {
			gw2[j] += dout * math.Max(z[i][j], 0)
			dz := 0.0
			if z[i][j] > 0 {
				dz = dout * w2[j]
			}
			ggam[j] += dz * xhat[i][j]
			gbet[j] += dz
			dxhat[i][j] = dz * gam[j]
		}
	}
	for j := 0; j < hid; j++ {
		sum, sumX := 0.0, 0.0
		for i := 0; i < n; i++ {
			sum += dxhat[i][j]
			sumX += dxhat[i][j] * xhat[i][j]
		}
		for i := 0; i < n; i++ {
			dh := invStd[j] / float64(n) * (float64(n)*dxhat[i][j] - sum - xhat[i][j]*sumX)
			for k := 0; k < in; k++ {
				gw1[j*in+k] += dh * m.x[i][k]
			}
		}
	}
	for i, g := range [][]float64{gw1, ggam, gbet, gw2, gb2} {
		for k := range g {
			g[k] *= sign
		}
		m.params[i].SetGrad(tensor.New(g, m.params[i].Shape()...))
	}
	return loss
}
