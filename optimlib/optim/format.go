package optim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// String lists the parameter groups with their hyperparameters, under the
// names PyTorch gives them, the way torch.optim prints an optimizer:
//
//	SGD (
//	Parameter Group 0 (4 tensors, 387 values)
//	    lr: 0.1
//	    momentum: 0.9
//	    ...
//	)
func (o *RuleOptimizer) String() string {
	name := "RuleOptimizer"
	if len(o.groups) > 0 {
		name = typeName(o.groups[0].Hyper)
	}
	return describeGroups(name, o.groups)
}

// String lists the settings, as RuleOptimizer's String does.
func (o *LBFGS) String() string { return describeGroups("LBFGS", o.ParamGroups()) }

// String lists the settings, as RuleOptimizer's String does.
func (o *Newton) String() string { return describeGroups("Newton", o.ParamGroups()) }

// String lists the settings, as RuleOptimizer's String does.
func (o *NonlinearCG) String() string { return describeGroups("NonlinearCG", o.ParamGroups()) }

// typeName returns the name of v's type without its package. A rule
// defined in a notebook cell reaches compiled code wrapped in a type the
// interpreter generates, whose name starts with "_" and says nothing; it
// is called "Rule".
func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil || t.Name() == "":
		return fmt.Sprintf("%T", v)
	case strings.HasPrefix(t.Name(), "_"):
		return "Rule"
	}
	return t.Name()
}

func describeGroups(name string, groups []*Group) string {
	var b strings.Builder
	b.WriteString(name + " (\n")
	for i, g := range groups {
		values := 0
		for _, p := range g.Params {
			values += p.Numel()
		}
		fmt.Fprintf(&b, "Parameter Group %d (%d tensors, %d values)\n", i, len(g.Params), values)
		for _, kv := range hyperFields(g.Hyper) {
			fmt.Fprintf(&b, "    %s: %s\n", kv[0], kv[1])
		}
	}
	b.WriteString(")")
	return b.String()
}

// hyperFields returns the hyperparameters as name/value pairs: the fields
// of a struct under their JSON (PyTorch) names, in declaration order, the
// JSON encoding of h as a whole (a Chain's rule and transforms), or only
// the learning rate of a rule defined in a cell.
func hyperFields(h Hyper) [][2]string {
	if typeName(h) == "Rule" {
		return [][2]string{{"lr", fmt.Sprint(h.LearningRate())}}
	}
	v := reflect.ValueOf(h)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if _, custom := h.(json.Marshaler); custom || v.Kind() != reflect.Struct {
		js, err := json.Marshal(h)
		if err != nil {
			return [][2]string{{"settings", fmt.Sprintf("%+v", h)}}
		}
		return [][2]string{{"settings", string(js)}}
	}
	var out [][2]string
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, [2]string{name, fmt.Sprint(v.Field(i).Interface())})
	}
	return out
}

// String names the schedule and shows its epoch and the groups' learning
// rates: "StepLR(epoch 3, lr [0.05])".
func (s *LRScheduler) String() string {
	return fmt.Sprintf("%s(epoch %d, lr %v)", s.name, s.lastEpoch, s.lastLR)
}

// String lists the schedules in order with the milestones between them.
func (s *SequentialLR) String() string {
	names := make([]string, len(s.scheds))
	for i, sc := range s.scheds {
		names[i] = sc.name
	}
	return fmt.Sprintf("SequentialLR(%s at milestones %v; epoch %d, lr %v)", strings.Join(names, ", "), s.milestones, s.lastEpoch, s.lastLR)
}

// String lists the chained schedules.
func (c *ChainedScheduler) String() string {
	names := make([]string, len(c.scheds))
	for i, sc := range c.scheds {
		names[i] = sc.name
	}
	return fmt.Sprintf("ChainedScheduler(%s; lr %v)", strings.Join(names, " × "), c.lastLR)
}

// String shows the best metric so far and the learning rates.
func (p *ReduceLROnPlateau) String() string {
	return fmt.Sprintf("ReduceLROnPlateau(epoch %d, best %g, %d bad epochs, lr %v)", p.lastEpoch, p.best, p.badEpochs, p.lastLR)
}

// String describes the kind of average and how many iterates it holds.
func (a *Averager) String() string {
	kind := "Polyak (uniform) average"
	if a.ema {
		kind = fmt.Sprintf("exponential moving average (β = %g)", a.decay)
	}
	values := 0
	for _, m := range a.avg {
		values += len(m)
	}
	return fmt.Sprintf("%s of %d tensors (%d values) over %d updates", kind, len(a.params), values, a.n)
}
