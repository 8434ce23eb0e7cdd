package optim

import (
	"fmt"
	"math"
	"sort"
)

// Scheduler changes an optimizer's learning rates once per epoch (or per
// step), as torch.optim.lr_scheduler's schedulers do: call Step after the
// optimizer's Step.
type Scheduler interface {
	// Step advances the schedule by one and sets the groups' learning rates.
	Step()
	// LastLR returns the learning rate of each group set by the last Step.
	LastLR() []float64
}

// LRScheduler is a learning-rate schedule over an optimizer's groups. The
// constructors (NewStepLR, NewCosineAnnealingLR, ...) set the first
// learning rate immediately, as PyTorch's do, and compute later ones from
// the current ones with PyTorch's recursive formulas, so that chained and
// sequential schedules give PyTorch's numbers.
type LRScheduler struct {
	name      string // PyTorch's class name, for String
	groups    []*Group
	baseLRs   []float64
	lastEpoch int
	stepCount int
	lastLR    []float64
	// getLR returns the new learning rates from the current ones.
	getLR func() []float64
	// closedForm returns the learning rates at lastEpoch directly; nil
	// when the schedule has none.
	closedForm func() []float64
}

func newLRScheduler(name string, opt Optimizer, getLR, closed func(s *LRScheduler) []float64) *LRScheduler {
	s := &LRScheduler{name: name, groups: opt.ParamGroups(), lastEpoch: -1}
	for _, g := range s.groups {
		if !g.hasInitialLR {
			g.initialLR, g.hasInitialLR = g.Hyper.LearningRate(), true
		}
		s.baseLRs = append(s.baseLRs, g.initialLR)
	}
	s.getLR = func() []float64 { return getLR(s) }
	if closed != nil {
		s.closedForm = func() []float64 { return closed(s) }
	}
	s.initialStep()
	return s
}

func (s *LRScheduler) initialStep() {
	s.stepCount = 0
	s.Step()
}

// Step advances the schedule by one epoch.
func (s *LRScheduler) Step() {
	s.stepCount++
	s.lastEpoch++
	s.apply(s.getLR())
}

// stepTo jumps to epoch e using the closed form when there is one, as
// PyTorch's deprecated step(epoch) does (SequentialLR relies on it).
func (s *LRScheduler) stepTo(e int) {
	s.stepCount++
	s.lastEpoch = e
	if s.closedForm != nil {
		s.apply(s.closedForm())
	} else {
		s.apply(s.getLR())
	}
}

func (s *LRScheduler) apply(lrs []float64) {
	s.lastLR = s.lastLR[:0]
	for i, g := range s.groups {
		g.Hyper.SetLearningRate(lrs[i])
		s.lastLR = append(s.lastLR, lrs[i])
	}
}

// LastLR returns the learning rates set by the last Step.
func (s *LRScheduler) LastLR() []float64 { return append([]float64(nil), s.lastLR...) }

// LastEpoch returns the number of Steps taken since the start (0 after
// construction).
func (s *LRScheduler) LastEpoch() int { return s.lastEpoch }

func (s *LRScheduler) current() []float64 {
	lrs := make([]float64, len(s.groups))
	for i, g := range s.groups {
		lrs[i] = g.Hyper.LearningRate()
	}
	return lrs
}

func (s *LRScheduler) scaled(f func(i int, lr float64) float64) []float64 {
	lrs := s.current()
	for i := range lrs {
		lrs[i] = f(i, lrs[i])
	}
	return lrs
}

func (s *LRScheduler) fromBase(f func(base float64) float64) []float64 {
	lrs := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		lrs[i] = f(b)
	}
	return lrs
}

// NewLambdaLR sets each group's learning rate to γ₀·f(epoch)
// (torch.optim.lr_scheduler.LambdaLR), γ₀ the group's initial rate.
func NewLambdaLR(opt Optimizer, f func(epoch int) float64) *LRScheduler {
	if f == nil {
		panic(fmt.Errorf("optim: NewLambdaLR: nil function"))
	}
	return newLRScheduler("LambdaLR", opt, func(s *LRScheduler) []float64 {
		return s.fromBase(func(b float64) float64 { return b * f(s.lastEpoch) })
	}, nil)
}

// NewMultiplicativeLR multiplies the learning rates by f(epoch) at every
// step after the first (torch.optim.lr_scheduler.MultiplicativeLR).
func NewMultiplicativeLR(opt Optimizer, f func(epoch int) float64) *LRScheduler {
	if f == nil {
		panic(fmt.Errorf("optim: NewMultiplicativeLR: nil function"))
	}
	return newLRScheduler("MultiplicativeLR", opt, func(s *LRScheduler) []float64 {
		if s.lastEpoch > 0 {
			return s.scaled(func(_ int, lr float64) float64 { return lr * f(s.lastEpoch) })
		}
		return s.current()
	}, nil)
}

// NewStepLR multiplies the learning rates by gamma every stepSize epochs:
// γ_e = γ₀·gamma^⌊e/stepSize⌋ (torch.optim.lr_scheduler.StepLR).
func NewStepLR(opt Optimizer, stepSize int, gamma float64) *LRScheduler {
	if stepSize < 1 {
		panic(fmt.Errorf("optim: NewStepLR: step size %d must be positive", stepSize))
	}
	return newLRScheduler("StepLR", opt, func(s *LRScheduler) []float64 {
		if s.lastEpoch == 0 || s.lastEpoch%stepSize != 0 {
			return s.current()
		}
		return s.scaled(func(_ int, lr float64) float64 { return lr * gamma })
	}, func(s *LRScheduler) []float64 {
		return s.fromBase(func(b float64) float64 { return b * math.Pow(gamma, float64(s.lastEpoch/stepSize)) })
	})
}

// NewMultiStepLR multiplies the learning rates by gamma at each milestone
// epoch; a milestone listed k times multiplies by gamma^k
// (torch.optim.lr_scheduler.MultiStepLR).
func NewMultiStepLR(opt Optimizer, milestones []int, gamma float64) *LRScheduler {
	count := map[int]int{}
	sorted := append([]int(nil), milestones...)
	sort.Ints(sorted)
	for _, m := range milestones {
		count[m]++
	}
	return newLRScheduler("MultiStepLR", opt, func(s *LRScheduler) []float64 {
		k, ok := count[s.lastEpoch]
		if !ok {
			return s.current()
		}
		return s.scaled(func(_ int, lr float64) float64 { return lr * math.Pow(gamma, float64(k)) })
	}, func(s *LRScheduler) []float64 {
		n := sort.Search(len(sorted), func(i int) bool { return sorted[i] > s.lastEpoch })
		return s.fromBase(func(b float64) float64 { return b * math.Pow(gamma, float64(n)) })
	})
}

// NewConstantLR multiplies the learning rates by factor until epoch
// totalIters (torch.optim.lr_scheduler.ConstantLR).
func NewConstantLR(opt Optimizer, factor float64, totalIters int) *LRScheduler {
	if factor <= 0 || factor > 1 {
		panic(fmt.Errorf("optim: NewConstantLR: factor %g must be in (0, 1]", factor))
	}
	return newLRScheduler("ConstantLR", opt, func(s *LRScheduler) []float64 {
		switch {
		case s.lastEpoch == 0:
			return s.scaled(func(_ int, lr float64) float64 { return lr * factor })
		case s.lastEpoch != totalIters:
			return s.current()
		}
		return s.scaled(func(_ int, lr float64) float64 { return lr * (1 / factor) })
	}, func(s *LRScheduler) []float64 {
		f := factor
		if s.lastEpoch >= totalIters {
			f = 1
		}
		return s.fromBase(func(b float64) float64 { return b * f })
	})
}

// NewLinearLR is linear warm-up: the factor on the learning rates goes
// linearly from start to end over totalIters epochs and then stays
// (torch.optim.lr_scheduler.LinearLR; PyTorch's defaults are 1/3, 1, 5).
func NewLinearLR(opt Optimizer, start, end float64, totalIters int) *LRScheduler {
	if start <= 0 || start > 1 || end < 0 || end > 1 || totalIters < 1 {
		panic(fmt.Errorf("optim: NewLinearLR: need 0 < start ≤ 1, 0 ≤ end ≤ 1, totalIters ≥ 1; got %g, %g, %d", start, end, totalIters))
	}
	return newLRScheduler("LinearLR", opt, func(s *LRScheduler) []float64 {
		e := float64(s.lastEpoch)
		switch {
		case s.lastEpoch == 0:
			return s.scaled(func(_ int, lr float64) float64 { return lr * start })
		case s.lastEpoch > totalIters:
			return s.current()
		}
		return s.scaled(func(_ int, lr float64) float64 {
			return lr * (1 + (end-start)/(float64(totalIters)*start+(e-1)*(end-start)))
		})
	}, func(s *LRScheduler) []float64 {
		e := math.Min(float64(totalIters), float64(s.lastEpoch))
		return s.fromBase(func(b float64) float64 { return b * (start + (end-start)*e/float64(totalIters)) })
	})
}

// NewExponentialLR multiplies the learning rates by gamma every epoch
// (torch.optim.lr_scheduler.ExponentialLR).
func NewExponentialLR(opt Optimizer, gamma float64) *LRScheduler {
	return newLRScheduler("ExponentialLR", opt, func(s *LRScheduler) []float64 {
		if s.lastEpoch == 0 {
			return s.current()
		}
		return s.scaled(func(_ int, lr float64) float64 { return lr * gamma })
	}, func(s *LRScheduler) []float64 {
		return s.fromBase(func(b float64) float64 { return b * math.Pow(gamma, float64(s.lastEpoch)) })
	})
}

// NewPolynomialLR decays the learning rates as (1 − e/totalIters)^power
// until totalIters (torch.optim.lr_scheduler.PolynomialLR).
func NewPolynomialLR(opt Optimizer, totalIters int, power float64) *LRScheduler {
	if totalIters < 1 {
		panic(fmt.Errorf("optim: NewPolynomialLR: totalIters %d must be positive", totalIters))
	}
	T := float64(totalIters)
	return newLRScheduler("PolynomialLR", opt, func(s *LRScheduler) []float64 {
		if s.lastEpoch == 0 || s.lastEpoch > totalIters {
			return s.current()
		}
		e := float64(s.lastEpoch)
		f := math.Pow((1-e/T)/(1-(e-1)/T), power)
		return s.scaled(func(_ int, lr float64) float64 { return lr * f })
	}, func(s *LRScheduler) []float64 {
		e := math.Min(T, float64(s.lastEpoch))
		return s.fromBase(func(b float64) float64 { return b * math.Pow(1-e/T, power) })
	})
}

// NewCosineAnnealingLR anneals the learning rates along a cosine from γ₀
// to etaMin over tMax epochs, and back up over the next tMax:
//
//	γ_e = η_min + (γ₀ − η_min)(1 + cos(π e/T_max))/2,
//
// computed recursively as torch.optim.lr_scheduler.CosineAnnealingLR does.
// Loshchilov & Hutter, "SGDR: Stochastic gradient descent with warm
// restarts" (ICLR 2017).
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) *LRScheduler {
	if tMax < 1 {
		panic(fmt.Errorf("optim: NewCosineAnnealingLR: T_max %d must be positive", tMax))
	}
	T := float64(tMax)
	return newLRScheduler("CosineAnnealingLR", opt, func(s *LRScheduler) []float64 {
		e := float64(s.lastEpoch)
		switch {
		case s.lastEpoch == 0:
			return s.current()
		case s.stepCount == 1 && s.lastEpoch > 0:
			return s.fromBase(func(b float64) float64 { return etaMin + (b-etaMin)*(1+math.Cos(e*math.Pi/T))/2 })
		case (s.lastEpoch-1-tMax)%(2*tMax) == 0:
			return s.scaled(func(i int, lr float64) float64 {
				return lr + (s.baseLRs[i]-etaMin)*(1-math.Cos(math.Pi/T))/2
			})
		}
		return s.scaled(func(_ int, lr float64) float64 {
			return (1+math.Cos(math.Pi*e/T))/(1+math.Cos(math.Pi*(e-1)/T))*(lr-etaMin) + etaMin
		})
	}, func(s *LRScheduler) []float64 {
		e := float64(s.lastEpoch)
		return s.fromBase(func(b float64) float64 { return etaMin + (b-etaMin)*(1+math.Cos(math.Pi*e/T))/2 })
	})
}

// OneCycleConfig holds OneCycleLR's settings; NewOneCycleLR fills zero
// fields with PyTorch's defaults.
type OneCycleConfig struct {
	// MaxLR is the peak learning rate: one value for all groups or one
	// per group. Required.
	MaxLR []float64
	// TotalSteps is the length of the cycle. Required.
	TotalSteps int
	// PctStart is the fraction of the cycle spent increasing. Default 0.3.
	PctStart float64
	// Linear anneals linearly instead of along a cosine.
	Linear bool
	// NoCycleMomentum keeps the momentum fixed; by default it moves
	// inversely to the learning rate between BaseMomentum and MaxMomentum.
	NoCycleMomentum bool
	// BaseMomentum and MaxMomentum default to 0.85 and 0.95.
	BaseMomentum, MaxMomentum float64
	// DivFactor gives the initial rate MaxLR/DivFactor. Default 25.
	DivFactor float64
	// FinalDivFactor gives the final rate initial/FinalDivFactor.
	// Default 1e4.
	FinalDivFactor float64
	// ThreePhase adds a symmetric descent before the final annealing.
	ThreePhase bool
}

// NewOneCycleLR is the one-cycle policy (torch.optim.lr_scheduler.
// OneCycleLR): the learning rate rises from MaxLR/DivFactor to MaxLR and
// anneals to a minimum far below, while the momentum (β of SGD, β1 of
// Adam) moves the other way. Smith & Topin, "Super-convergence: very fast
// training of neural networks using large learning rates" (2018).
func NewOneCycleLR(opt Optimizer, cfg OneCycleConfig) *LRScheduler {
	groups := opt.ParamGroups()
	if cfg.TotalSteps < 1 {
		panic(fmt.Errorf("optim: NewOneCycleLR: TotalSteps %d must be positive", cfg.TotalSteps))
	}
	maxLR := perGroup("NewOneCycleLR", "MaxLR", cfg.MaxLR, len(groups))
	cfg.PctStart = orDefault(cfg.PctStart, 0.3)
	cfg.BaseMomentum = orDefault(cfg.BaseMomentum, 0.85)
	cfg.MaxMomentum = orDefault(cfg.MaxMomentum, 0.95)
	cfg.DivFactor = orDefault(cfg.DivFactor, 25)
	cfg.FinalDivFactor = orDefault(cfg.FinalDivFactor, 1e4)
	if cfg.PctStart < 0 || cfg.PctStart > 1 {
		panic(fmt.Errorf("optim: NewOneCycleLR: PctStart %g must be in [0, 1]", cfg.PctStart))
	}
	type phase struct {
		end              float64
		startLR, endLR   int // 0 initial, 1 max, 2 min
		startMom, endMom int // 0 max momentum, 1 base momentum
	}
	T := float64(cfg.TotalSteps)
	phases := []phase{
		{cfg.PctStart*T - 1, 0, 1, 0, 1},
		{T - 1, 1, 2, 1, 0},
	}
	if cfg.ThreePhase {
		phases = []phase{
			{cfg.PctStart*T - 1, 0, 1, 0, 1},
			{2*cfg.PctStart*T - 2, 1, 0, 1, 0},
			{T - 1, 0, 2, 0, 0},
		}
	}
	lrs := make([][3]float64, len(groups))
	for i, g := range groups {
		init := maxLR[i] / cfg.DivFactor
		lrs[i] = [3]float64{init, maxLR[i], init / cfg.FinalDivFactor}
		g.initialLR, g.hasInitialLR = init, true
	}
	var moms []Momentum
	if !cfg.NoCycleMomentum {
		moms = cycledMomenta("NewOneCycleLR", groups, cfg.MaxMomentum)
	}
	momVals := [2]float64{cfg.MaxMomentum, cfg.BaseMomentum}
	anneal := func(a, b, pct float64) float64 {
		if cfg.Linear {
			return (b-a)*pct + a
		}
		return b + (a-b)/2*(math.Cos(math.Pi*pct)+1)
	}
	return newLRScheduler("OneCycleLR", opt, func(s *LRScheduler) []float64 {
		step := float64(s.lastEpoch)
		if s.lastEpoch > cfg.TotalSteps {
			panic(fmt.Errorf("optim: OneCycleLR: stepped %d times, the cycle has %d steps", s.lastEpoch+1, cfg.TotalSteps))
		}
		out := make([]float64, len(groups))
		for i := range groups {
			start := 0.0
			for k, ph := range phases {
				if step <= ph.end || k == len(phases)-1 {
					pct := (step - start) / (ph.end - start)
					out[i] = anneal(lrs[i][ph.startLR], lrs[i][ph.endLR], pct)
					if moms != nil {
						moms[i].SetMomentumBeta(anneal(momVals[ph.startMom], momVals[ph.endMom], pct))
					}
					break
				}
				start = ph.end
			}
		}
		return out
	}, nil)
}

// cycledMomenta returns the momentum settings of groups, for a scheduler
// that cycles them, each set to start; a group whose rule has no momentum
// is an error naming op.
func cycledMomenta(op string, groups []*Group, start float64) []Momentum {
	moms := make([]Momentum, len(groups))
	for i, g := range groups {
		m, ok := g.Hyper.(Momentum)
		if !ok {
			panic(fmt.Errorf("optim: %s: group %d's optimizer (%T) has no momentum to cycle; set NoCycleMomentum", op, i, g.Hyper))
		}
		m.SetMomentumBeta(start)
		moms[i] = m
	}
	return moms
}

func perGroup(op, name string, v []float64, n int) []float64 {
	switch len(v) {
	case 1:
		out := make([]float64, n)
		for i := range out {
			out[i] = v[0]
		}
		return out
	case n:
		return append([]float64(nil), v...)
	}
	panic(fmt.Errorf("optim: %s: %d values for %s, want 1 or %d (one per group)", op, len(v), name, n))
}

// SequentialLR runs schedulers one after the other, switching at the
// milestone epochs (torch.optim.lr_scheduler.SequentialLR): a typical use
// is linear warm-up followed by cosine annealing.
type SequentialLR struct {
	groups     []*Group
	scheds     []*LRScheduler
	milestones []int
	lastEpoch  int
	lastLR     []float64
}

// NewSequentialLR returns the sequence of scheds (built on opt, in order),
// with len(scheds)−1 milestones.
func NewSequentialLR(opt Optimizer, scheds []*LRScheduler, milestones []int) *SequentialLR {
	if len(scheds) == 0 || len(milestones) != len(scheds)-1 {
		panic(fmt.Errorf("optim: NewSequentialLR: %d schedulers need %d milestones, got %d", len(scheds), len(scheds)-1, len(milestones)))
	}
	s := &SequentialLR{groups: opt.ParamGroups(), scheds: scheds, milestones: append([]int(nil), milestones...)}
	for _, g := range s.groups {
		g.Hyper.SetLearningRate(g.initialLR)
	}
	for _, sc := range scheds {
		sc.lastEpoch--
	}
	scheds[0].initialStep()
	s.lastLR = scheds[0].LastLR()
	return s
}

// Step advances the active scheduler; at a milestone the next one starts
// from its epoch 0.
func (s *SequentialLR) Step() {
	s.lastEpoch++
	idx := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > s.lastEpoch })
	sc := s.scheds[idx]
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		sc.stepTo(0)
	} else {
		sc.Step()
	}
	s.lastLR = sc.LastLR()
}

// LastLR returns the learning rates set by the last Step.
func (s *SequentialLR) LastLR() []float64 { return append([]float64(nil), s.lastLR...) }

// PlateauConfig holds ReduceLROnPlateau's settings.
type PlateauConfig struct {
	// Max looks for increases of the metric instead of decreases.
	Max bool
	// Factor multiplies the learning rate on a plateau.
	Factor float64
	// Patience is the number of epochs without improvement tolerated.
	Patience int
	// Threshold is the smallest improvement that counts: relative
	// (a < best·(1 − Threshold)) unless AbsThreshold.
	Threshold    float64
	AbsThreshold bool
	// Cooldown is the number of epochs to wait after a reduction.
	Cooldown int
	// MinLR bounds each group's learning rate from below: one value or one
	// per group.
	MinLR []float64
	// Eps: reductions smaller than Eps are skipped.
	Eps float64
}

// DefaultPlateau returns PyTorch's defaults: factor 0.1, patience 10,
// threshold 1e-4 (relative), no cooldown, minimum 0, eps 1e-8.
func DefaultPlateau() PlateauConfig {
	return PlateauConfig{Factor: 0.1, Patience: 10, Threshold: 1e-4, MinLR: []float64{0}, Eps: 1e-8}
}

// ReduceLROnPlateau lowers the learning rates when a metric stops
// improving (torch.optim.lr_scheduler.ReduceLROnPlateau).
type ReduceLROnPlateau struct {
	cfg        PlateauConfig
	groups     []*Group
	minLRs     []float64
	best       float64
	badEpochs  int
	cooldownCt int
	lastEpoch  int
	lastLR     []float64
}

// NewReduceLROnPlateau returns the scheduler; start from DefaultPlateau.
func NewReduceLROnPlateau(opt Optimizer, cfg PlateauConfig) *ReduceLROnPlateau {
	if cfg.Factor >= 1 || cfg.Factor < 0 {
		panic(fmt.Errorf("optim: NewReduceLROnPlateau: factor %g must be in [0, 1)", cfg.Factor))
	}
	groups := opt.ParamGroups()
	minLR := cfg.MinLR
	if len(minLR) == 0 {
		minLR = []float64{0}
	}
	r := &ReduceLROnPlateau{cfg: cfg, groups: groups, minLRs: perGroup("NewReduceLROnPlateau", "MinLR", minLR, len(groups))}
	r.best = math.Inf(1)
	if cfg.Max {
		r.best = math.Inf(-1)
	}
	for _, g := range groups {
		r.lastLR = append(r.lastLR, g.Hyper.LearningRate())
	}
	return r
}

func (r *ReduceLROnPlateau) better(a float64) bool {
	c := r.cfg
	switch {
	case !c.Max && !c.AbsThreshold:
		return a < r.best*(1-c.Threshold)
	case !c.Max:
		return a < r.best-c.Threshold
	case !c.AbsThreshold:
		return a > r.best*(c.Threshold+1)
	}
	return a > r.best+c.Threshold
}

// Step records the epoch's metric and lowers the learning rates after
// more than Patience epochs without improvement.
func (r *ReduceLROnPlateau) Step(metric float64) {
	r.lastEpoch++
	if r.better(metric) {
		r.best = metric
		r.badEpochs = 0
	} else {
		r.badEpochs++
	}
	if r.cooldownCt > 0 {
		r.cooldownCt--
		r.badEpochs = 0
	}
	if r.badEpochs > r.cfg.Patience {
		for i, g := range r.groups {
			old := g.Hyper.LearningRate()
			nw := math.Max(old*r.cfg.Factor, r.minLRs[i])
			if old-nw > r.cfg.Eps {
				g.Hyper.SetLearningRate(nw)
			}
		}
		r.cooldownCt = r.cfg.Cooldown
		r.badEpochs = 0
	}
	r.lastLR = r.lastLR[:0]
	for _, g := range r.groups {
		r.lastLR = append(r.lastLR, g.Hyper.LearningRate())
	}
}

// LastLR returns the learning rates after the last Step.
func (r *ReduceLROnPlateau) LastLR() []float64 { return append([]float64(nil), r.lastLR...) }
