package plotting

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// isolines traces the level sets of a surface by marching squares and joins
// the pieces into polylines, once, when the plotter is made.
type isolines struct {
	lines  [][][][2]float64 // per level, polylines of (x, y) points
	styles []draw.LineStyle // per level
}

func newIsolines(s *Surface, levels []float64, styles []draw.LineStyle) *isolines {
	iso := &isolines{styles: styles}
	for _, z := range levels {
		iso.lines = append(iso.lines, traceLevel(s, z))
	}
	return iso
}

func (iso *isolines) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for k, lines := range iso.lines {
		var p vg.Path
		for _, line := range lines {
			for i, w := range line {
				pt := vg.Point{X: trX(w[0]), Y: trY(w[1])}
				if i == 0 {
					p.Move(pt)
				} else {
					p.Line(pt)
				}
			}
		}
		if len(p) > 0 {
			c.SetLineStyle(iso.styles[k])
			c.Stroke(p)
		}
	}
}

// A crossing point lies on a grid edge. The horizontal edge from node
// (i, j) to (i+1, j) has key 2(j·nx+i), the vertical one from (i, j) to
// (i, j+1) has key 2(j·nx+i)+1; two segments that share a key join there.
type segment struct{ a, b int }

func traceLevel(s *Surface, z float64) [][][2]float64 {
	nx, ny := len(s.X), len(s.Y)
	raw := s.Z.RawMatrix()
	v := func(i, j int) float64 { return raw.Data[j*raw.Stride+i] }
	point := func(key int) [2]float64 {
		node := key / 2
		i, j := node%nx, node/nx
		v0 := v(i, j)
		if key%2 == 0 {
			t := crossing(v0, v(i+1, j), z)
			return [2]float64{s.X[i] + t*(s.X[i+1]-s.X[i]), s.Y[j]}
		}
		t := crossing(v0, v(i, j+1), z)
		return [2]float64{s.X[i], s.Y[j] + t*(s.Y[j+1]-s.Y[j])}
	}
	var segs []segment
	for j := 0; j < ny-1; j++ {
		for i := 0; i < nx-1; i++ {
			a, b, c, d := v(i, j), v(i+1, j), v(i+1, j+1), v(i, j+1)
			if math.IsNaN(a) || math.IsNaN(b) || math.IsNaN(c) || math.IsNaN(d) {
				continue
			}
			ua, ub, uc, ud := a >= z, b >= z, c >= z, d >= z
			if ua == ub && ub == uc && uc == ud {
				continue
			}
			bottom, top := 2*(j*nx+i), 2*((j+1)*nx+i)
			left, right := 2*(j*nx+i)+1, 2*(j*nx+i+1)+1
			if ua == uc && ub == ud && ua != ub {
				// Saddle: the center decides which corners connect.
				if center := (a + b + c + d) / 4; (center >= z) == ua {
					segs = append(segs, segment{bottom, right}, segment{top, left})
				} else {
					segs = append(segs, segment{left, bottom}, segment{right, top})
				}
				continue
			}
			var e []int
			if ua != ub {
				e = append(e, bottom)
			}
			if ub != uc {
				e = append(e, right)
			}
			if ud != uc {
				e = append(e, top)
			}
			if ua != ud {
				e = append(e, left)
			}
			segs = append(segs, segment{e[0], e[1]})
		}
	}
	return joinSegments(segs, point)
}

// crossing is where z lies between v0 and v1, as a fraction of the way.
func crossing(v0, v1, z float64) float64 {
	if math.IsInf(v0, 0) || math.IsInf(v1, 0) || v0 == v1 {
		if math.IsInf(v0, 0) && !math.IsInf(v1, 0) {
			return 1
		}
		if math.IsInf(v1, 0) && !math.IsInf(v0, 0) {
			return 0
		}
		return 0.5
	}
	return math.Max(0, math.Min(1, (z-v0)/(v1-v0)))
}

// joinSegments chains segments that share an edge into polylines.
func joinSegments(segs []segment, point func(int) [2]float64) [][][2]float64 {
	at := make(map[int][]int, 2*len(segs))
	for k, sg := range segs {
		at[sg.a] = append(at[sg.a], k)
		at[sg.b] = append(at[sg.b], k)
	}
	used := make([]bool, len(segs))
	// next follows the chain from edge key through segments not yet used.
	next := func(key int) (int, bool) {
		for _, k := range at[key] {
			if !used[k] {
				used[k] = true
				if segs[k].a == key {
					return segs[k].b, true
				}
				return segs[k].a, true
			}
		}
		return 0, false
	}
	var lines [][][2]float64
	for k, sg := range segs {
		if used[k] {
			continue
		}
		used[k] = true
		forward := []int{sg.a, sg.b}
		for key, ok := next(sg.b); ok; key, ok = next(key) {
			forward = append(forward, key)
		}
		var backward []int
		for key, ok := next(sg.a); ok; key, ok = next(key) {
			backward = append(backward, key)
		}
		line := make([][2]float64, 0, len(forward)+len(backward))
		for i := len(backward) - 1; i >= 0; i-- {
			line = append(line, point(backward[i]))
		}
		for _, key := range forward {
			line = append(line, point(key))
		}
		lines = append(lines, line)
	}
	return lines
}
