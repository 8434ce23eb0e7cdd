package nn

import (
	"fmt"
	"strings"
)

// The String methods describe modules the way PyTorch prints them, so that
// a model shown in a notebook reads as its architecture:
//
//	Sequential(
//	  (0): Linear(in_features=784, out_features=256, bias=true)
//	  (1): ReLU()
//	  (2): Linear(in_features=256, out_features=10, bias=true)
//	)

// String describes the layer's sizes.
func (l *Linear) String() string {
	if l.Weight == nil {
		return "Linear(no weight)"
	}
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d, bias=%t)", l.Weight.Size(1), l.Weight.Size(0), l.Bias != nil)
}

// String describes the layer's sizes, stride and padding.
func (c *Conv2d) String() string {
	if c.Weight == nil || c.Weight.Dim() != 4 {
		return "Conv2d(no weight)"
	}
	return fmt.Sprintf("Conv2d(%d, %d, kernel_size=%d×%d, stride=%d, padding=%d, bias=%t)",
		c.Weight.Size(1), c.Weight.Size(0), c.Weight.Size(2), c.Weight.Size(3), c.Stride, c.Padding, c.Bias != nil)
}

// String describes the pooling window.
func (p *MaxPool2d) String() string {
	return fmt.Sprintf("MaxPool2d(kernel_size=%d, stride=%d, padding=%d)", p.Kernel, p.Stride, p.Padding)
}

// String describes the pooling window.
func (p *AvgPool2d) String() string {
	return fmt.Sprintf("AvgPool2d(kernel_size=%d, stride=%d, padding=%d)", p.Kernel, p.Stride, p.Padding)
}

// String describes the first flattened axis.
func (f *Flatten) String() string { return fmt.Sprintf("Flatten(start_dim=%d)", f.StartAxis) }

// String describes the drop probability.
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.P) }

// String names the activation.
func (*ReLU) String() string { return "ReLU()" }

// String describes the negative slope.
func (l *LeakyReLU) String() string { return fmt.Sprintf("LeakyReLU(negative_slope=%g)", l.Slope) }

// String names the activation.
func (*Tanh) String() string { return "Tanh()" }

// String names the activation.
func (*Sigmoid) String() string { return "Sigmoid()" }

// String names the activation.
func (*GELU) String() string { return "GELU()" }

// String describes the axis.
func (s *Softmax) String() string { return fmt.Sprintf("Softmax(dim=%d)", s.Axis) }

// String describes the axis.
func (s *LogSoftmax) String() string { return fmt.Sprintf("LogSoftmax(dim=%d)", s.Axis) }

// describe describes a layer with per-channel statistics.
func (r *RunningStats) describe(op string) string {
	momentum := fmt.Sprint(r.Momentum)
	if r.CumulativeAverage {
		momentum = "cumulative"
	}
	return fmt.Sprintf("%s(%d, eps=%g, momentum=%s, affine=%t, track_running_stats=%t)",
		op, r.channels, r.Eps, momentum, r.Weight != nil, r.RunningMean != nil)
}

// String describes the channels and options.
func (b *BatchNorm) String() string { return b.describe(b.op) }

// String describes the channels and options.
func (in *InstanceNorm) String() string { return in.describe(in.op) }

// String describes the normalized shape and options.
func (l *LayerNorm) String() string {
	return fmt.Sprintf("LayerNorm(%v, eps=%g, elementwise_affine=%t)", l.NormalizedShape, l.Eps, l.Weight != nil)
}

// String describes the groups, channels and options.
func (g *GroupNorm) String() string {
	return fmt.Sprintf("GroupNorm(%d, %d, eps=%g, affine=%t)", g.Groups, g.Channels, g.Eps, g.Weight != nil)
}

// String lists the layers, one a line.
func (s *Sequential) String() string { return describeChildren("Sequential", s.NamedChildren()) }

// String lists the named sub-modules, one a line.
func (c *Composite) String() string { return describeChildren("Composite", c.Modules) }

// describeChildren writes name( (child): description … ), indenting the
// descriptions of nested containers.
func describeChildren(name string, children []NamedModule) string {
	if len(children) == 0 {
		return name + "()"
	}
	var b strings.Builder
	b.WriteString(name + "(\n")
	for _, c := range children {
		fmt.Fprintf(&b, "  (%s): %s\n", c.Name, strings.ReplaceAll(describe(c.Module), "\n", "\n  "))
	}
	b.WriteString(")")
	return b.String()
}

// describe returns m's String, or for a module without one its type and
// number of parameters. A module defined in a notebook cell reaches
// compiled code wrapped in a type the interpreter generates, whose name
// (starting with "_") says nothing; it is shown as "Module".
func describe(m Module) string {
	if s, ok := m.(fmt.Stringer); ok {
		return s.String()
	}
	name := strings.TrimLeft(fmt.Sprintf("%T", m), "*")
	if _, base, _ := strings.Cut(name, "."); strings.HasPrefix(base, "_") {
		name = "Module"
	}
	return fmt.Sprintf("%s(%d parameters)", name, NumParameters(m))
}
