package tensor

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Printing follows PyTorch's print of a tensor: values share one format
// (integers as "3.", fixed with four decimals, or scientific when the
// magnitudes span more than 10³ or leave [10⁻⁴, 10⁸)), are right-aligned
// to a common width, and tensors of more than 1000 elements show only their
// first and last three entries along each dimension.

const (
	summarizeAbove = 1000
	edgeItems      = 3
)

// numberFormat chooses how the finite values of data are printed.
func numberFormat(data []float64) func(float64) string {
	intMode := true
	lo, hi := math.Inf(1), 0.0
	for _, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if v != math.Trunc(v) {
			intMode = false
		}
		if a := math.Abs(v); a != 0 {
			lo = math.Min(lo, a)
			hi = math.Max(hi, a)
		}
	}
	special := func(v float64) (string, bool) {
		switch {
		case math.IsNaN(v):
			return "nan", true
		case math.IsInf(v, 1):
			return "inf", true
		case math.IsInf(v, -1):
			return "-inf", true
		}
		return "", false
	}
	sci := hi > 1e8 || hi/lo > 1e3 || (lo < 1e-4 && !intMode)
	if math.IsInf(lo, 1) {
		sci = false
	}
	return func(v float64) string {
		if s, ok := special(v); ok {
			return s
		}
		switch {
		case sci:
			return fmt.Sprintf("%.4e", v)
		case intMode:
			return fmt.Sprintf("%.0f.", v)
		default:
			return fmt.Sprintf("%.4f", v)
		}
	}
}

// shownIndices returns the indices of a dimension of length n that are
// printed; -1 marks the ellipsis.
func shownIndices(n int, summarize bool) []int {
	var idx []int
	if summarize && n > 2*edgeItems {
		for i := 0; i < edgeItems; i++ {
			idx = append(idx, i)
		}
		idx = append(idx, -1)
		for i := n - edgeItems; i < n; i++ {
			idx = append(idx, i)
		}
		return idx
	}
	for i := 0; i < n; i++ {
		idx = append(idx, i)
	}
	return idx
}

// String formats t as PyTorch prints it, for example
//
//	tensor([[1.0000, 2.5000],
//	        [3.0000, 4.0000]], requires_grad=True)
func (t *Tensor) String() string {
	if t == nil {
		return "tensor(nil)"
	}
	if t.sparse != nil {
		return sparseString(t)
	}
	summarize := len(t.data) > summarizeAbove
	var shown []float64
	collect(t, 0, 0, summarize, func(v float64) { shown = append(shown, v) })
	format := numberFormat(shown)
	// As in PyTorch, the common width is that of the nonzero finite values.
	width := 0
	for _, v := range shown {
		if v != 0 && !math.IsNaN(v) && !math.IsInf(v, 0) {
			width = max(width, len(format(v)))
		}
	}
	var b strings.Builder
	b.WriteString("tensor(")
	if len(t.shape) == 0 {
		b.WriteString(format(t.data[0]))
	} else {
		writeNested(&b, t, 0, 0, summarize, format, width, len("tensor("))
	}
	switch {
	case len(t.data) == 0:
		dims := make([]string, len(t.shape))
		for i, d := range t.shape {
			dims[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(&b, ", size=(%s)", strings.Join(dims, ", "))
	case t.fn != nil:
		fmt.Fprintf(&b, ", grad_fn=<%s>", t.fn.op)
	case t.requiresGrad:
		b.WriteString(", requires_grad=True")
	}
	b.WriteString(")")
	return b.String()
}

// collect visits the values that are printed, in order.
func collect(t *Tensor, dim, off int, summarize bool, visit func(float64)) {
	if dim == len(t.shape) {
		visit(t.data[off])
		return
	}
	stride := 1
	for _, d := range t.shape[dim+1:] {
		stride *= d
	}
	for _, i := range shownIndices(t.shape[dim], summarize) {
		if i >= 0 {
			collect(t, dim+1, off+i*stride, summarize, visit)
		}
	}
}

// lineWidth is the width at which PyTorch wraps the rows of a print.
const lineWidth = 80

func writeNested(b *strings.Builder, t *Tensor, dim, off int, summarize bool, format func(float64) string, width, indent int) {
	stride := 1
	for _, d := range t.shape[dim+1:] {
		stride *= d
	}
	shown := shownIndices(t.shape[dim], summarize)
	b.WriteString("[")
	if dim == len(t.shape)-1 {
		// Elements, wrapped to the line width like PyTorch's _vector_str.
		perLine := max(1, (lineWidth-indent)/(width+2))
		for k, i := range shown {
			if k > 0 {
				if k%perLine == 0 {
					b.WriteString(",\n")
					b.WriteString(strings.Repeat(" ", indent+1))
				} else {
					b.WriteString(", ")
				}
			}
			if i < 0 {
				b.WriteString(" ...")
				continue
			}
			s := format(t.data[off+i])
			b.WriteString(strings.Repeat(" ", max(0, width-len(s))))
			b.WriteString(s)
		}
		b.WriteString("]")
		return
	}
	for k, i := range shown {
		if k > 0 {
			b.WriteString(",")
			b.WriteString(strings.Repeat("\n", len(t.shape)-1-dim))
			b.WriteString(strings.Repeat(" ", indent+1))
		}
		if i < 0 {
			b.WriteString("...")
			continue
		}
		writeNested(b, t, dim+1, off+i*stride, summarize, format, width, indent+1)
	}
	b.WriteString("]")
}

// HTML returns an HTML table of t for notebooks: a scalar or vector as one
// row, a matrix as a grid, and a higher-dimensional tensor as one grid per
// leading index. Dimensions longer than 20 show their first and last 10
// entries around an ellipsis, and at most 8 grids are drawn. A caption
// gives the shape and gradient state.
func (t *Tensor) HTML() string {
	if t.sparse != nil {
		return "<pre>" + html.EscapeString(sparseString(t)) + "</pre>"
	}
	const maxSide, edge, maxGrids = 20, 10, 8
	idx := func(n int) []int {
		if n <= maxSide {
			return shownIndices(n, false)
		}
		var s []int
		for i := 0; i < edge; i++ {
			s = append(s, i)
		}
		s = append(s, -1)
		for i := n - edge; i < n; i++ {
			s = append(s, i)
		}
		return s
	}
	var shown []float64
	collect(t, 0, 0, len(t.data) > summarizeAbove, func(v float64) { shown = append(shown, v) })
	format := numberFormat(shown)
	var b strings.Builder
	caption := fmt.Sprintf("Tensor %v", t.shape)
	if t.fn != nil {
		caption += fmt.Sprintf(", grad_fn=%s", t.fn.op)
	} else if t.requiresGrad {
		caption += ", requires_grad"
	}
	rows, cols := 1, 1
	switch n := len(t.shape); {
	case n == 1:
		cols = t.shape[0]
	case n >= 2:
		rows, cols = t.shape[n-2], t.shape[n-1]
	}
	grids := 1
	if len(t.shape) > 2 {
		grids = len(t.data) / max(rows*cols, 1)
		if rows*cols == 0 {
			grids = 0
		}
	}
	b.WriteString(`<div class="descent-tensor">`)
	fmt.Fprintf(&b, "<div><small>%s</small></div>", html.EscapeString(caption))
	for gi := 0; gi < grids && gi < maxGrids; gi++ {
		if len(t.shape) > 2 {
			fmt.Fprintf(&b, "<div><small>[%s]</small></div>", html.EscapeString(leadIndex(t.shape[:len(t.shape)-2], gi)))
		}
		b.WriteString(`<table style="font-family:monospace;text-align:right">`)
		for _, r := range idx(rows) {
			b.WriteString("<tr>")
			for _, c := range idx(cols) {
				switch {
				case r < 0 && c < 0:
					b.WriteString("<td>⋱</td>")
				case r < 0:
					b.WriteString("<td>⋮</td>")
				case c < 0:
					b.WriteString("<td>…</td>")
				default:
					fmt.Fprintf(&b, "<td>%s</td>", format(t.data[gi*rows*cols+r*cols+c]))
				}
			}
			b.WriteString("</tr>")
		}
		b.WriteString("</table>")
	}
	if grids > maxGrids {
		fmt.Fprintf(&b, "<div><small>… %d more</small></div>", grids-maxGrids)
	}
	b.WriteString("</div>")
	return b.String()
}

// leadIndex formats the flat index gi over the leading dimensions dims.
func leadIndex(dims []int, gi int) string {
	parts := make([]string, len(dims)+2)
	for i := len(dims) - 1; i >= 0; i-- {
		parts[i] = fmt.Sprint(gi % dims[i])
		gi /= dims[i]
	}
	parts[len(dims)], parts[len(dims)+1] = ":", ":"
	return strings.Join(parts, ", ")
}

// sparseString formats a row-sparse tensor as PyTorch prints a sparse COO
// tensor: its row indices, its stored values, its size and count.
func sparseString(t *Tensor) string {
	rows := make([]string, len(t.sparse.rows))
	for i, r := range t.sparse.rows {
		rows[i] = strconv.Itoa(r)
	}
	dims := make([]string, len(t.shape))
	for i, d := range t.shape {
		dims[i] = strconv.Itoa(d)
	}
	values := strings.ReplaceAll(t.sparse.values.String(), "\n", "\n       ")
	return fmt.Sprintf("tensor(indices=[%s],\n       values=%s,\n       size=(%s), nnz=%d, layout=row-sparse)",
		strings.Join(rows, ", "), values, strings.Join(dims, ", "), len(rows))
}
