package optim

import (
	"fmt"
	"math"
)

// NewCosineAnnealingWarmRestarts anneals along a cosine over T_i epochs and
// then restarts at γ₀, with T_0 = t0 and T_{i+1} = tMult·T_i:
//
//	γ = η_min + (γ₀ − η_min)(1 + cos(π T_cur/T_i))/2
//
// (torch.optim.lr_scheduler.CosineAnnealingWarmRestarts). Loshchilov &
// Hutter, "SGDR: Stochastic gradient descent with warm restarts" (ICLR
// 2017).
func NewCosineAnnealingWarmRestarts(opt Optimizer, t0, tMult int, etaMin float64) *LRScheduler {
	if t0 < 1 || tMult < 1 {
		panic(fmt.Errorf("optim: NewCosineAnnealingWarmRestarts: need T_0 ≥ 1 and T_mult ≥ 1, got %d, %d", t0, tMult))
	}
	ti, tcur := t0, -1
	return newLRScheduler("CosineAnnealingWarmRestarts", opt, func(s *LRScheduler) []float64 {
		if s.lastEpoch == 0 {
			ti, tcur = t0, 0
		} else {
			tcur++
			if tcur >= ti {
				tcur -= ti
				ti *= tMult
			}
		}
		return s.fromBase(func(b float64) float64 {
			return etaMin + (b-etaMin)*(1+math.Cos(math.Pi*float64(tcur)/float64(ti)))/2
		})
	}, nil)
}

// CyclicConfig holds CyclicLR's settings; zero fields take PyTorch's
// defaults.
type CyclicConfig struct {
	// BaseLR and MaxLR bound the cycle: one value or one per group.
	BaseLR, MaxLR []float64
	// StepSizeUp and StepSizeDown are the half-cycle lengths in steps;
	// StepSizeUp defaults to 2000 and StepSizeDown to StepSizeUp.
	StepSizeUp, StepSizeDown int
	// Mode is "triangular" (default), "triangular2" (amplitude halves each
	// cycle) or "exp_range" (amplitude times Gamma^step).
	Mode string
	// Gamma is exp_range's decay. Default 1.
	Gamma float64
	// ScaleFn, if set, replaces Mode's amplitude scaling; it receives the
	// cycle number, or the step count when ScaleByIterations.
	ScaleFn           func(x float64) float64
	ScaleByIterations bool
	// NoCycleMomentum keeps the momentum fixed; by default it moves
	// inversely to the learning rate between BaseMomentum (0.8) and
	// MaxMomentum (0.9).
	NoCycleMomentum           bool
	BaseMomentum, MaxMomentum float64
}

// NewCyclicLR cycles the learning rate between BaseLR and MaxLR
// (torch.optim.lr_scheduler.CyclicLR; step it after every batch). Smith,
// "Cyclical learning rates for training neural networks" (WACV 2017).
func NewCyclicLR(opt Optimizer, cfg CyclicConfig) *LRScheduler {
	groups := opt.ParamGroups()
	base := perGroup("NewCyclicLR", "BaseLR", cfg.BaseLR, len(groups))
	maxLR := perGroup("NewCyclicLR", "MaxLR", cfg.MaxLR, len(groups))
	if cfg.StepSizeUp == 0 {
		cfg.StepSizeUp = 2000
	}
	if cfg.StepSizeDown == 0 {
		cfg.StepSizeDown = cfg.StepSizeUp
	}
	cfg.Gamma = orDefault(cfg.Gamma, 1)
	cfg.BaseMomentum = orDefault(cfg.BaseMomentum, 0.8)
	cfg.MaxMomentum = orDefault(cfg.MaxMomentum, 0.9)
	scale, byIter := cfg.ScaleFn, cfg.ScaleByIterations
	if scale == nil {
		switch cfg.Mode {
		case "", "triangular":
			scale, byIter = func(float64) float64 { return 1 }, false
		case "triangular2":
			scale, byIter = func(x float64) float64 { return 1 / math.Pow(2, x-1) }, false
		case "exp_range":
			scale, byIter = func(x float64) float64 { return math.Pow(cfg.Gamma, x) }, true
		default:
			panic(fmt.Errorf("optim: NewCyclicLR: unknown mode %q (triangular, triangular2, exp_range)", cfg.Mode))
		}
	}
	for i, g := range groups {
		g.Hyper.SetLearningRate(base[i])
	}
	var moms []Momentum
	if !cfg.NoCycleMomentum {
		moms = cycledMomenta("NewCyclicLR", groups, cfg.BaseMomentum)
	}
	total := float64(cfg.StepSizeUp + cfg.StepSizeDown)
	ratio := float64(cfg.StepSizeUp) / total
	return newLRScheduler("CyclicLR", opt, func(s *LRScheduler) []float64 {
		e := float64(s.lastEpoch)
		cycle := math.Floor(1 + e/total)
		x := 1 + e/total - cycle
		var f float64
		if x <= ratio {
			f = x / ratio
		} else {
			f = (x - 1) / (ratio - 1)
		}
		arg := cycle
		if byIter {
			arg = e
		}
		out := make([]float64, len(groups))
		for i := range groups {
			out[i] = base[i] + (maxLR[i]-base[i])*f*scale(arg)
		}
		for _, m := range moms {
			m.SetMomentumBeta(cfg.MaxMomentum - (cfg.MaxMomentum-cfg.BaseMomentum)*f*scale(arg))
		}
		return out
	}, nil)
}

// ChainedScheduler steps several schedulers together, each multiplying
// in its own factor (torch.optim.lr_scheduler.ChainedScheduler).
type ChainedScheduler struct {
	groups []*Group
	scheds []*LRScheduler
	lastLR []float64
}

// NewChainedScheduler chains scheds, all built on opt.
func NewChainedScheduler(opt Optimizer, scheds ...*LRScheduler) *ChainedScheduler {
	if len(scheds) == 0 {
		panic(fmt.Errorf("optim: NewChainedScheduler: no schedulers"))
	}
	c := &ChainedScheduler{groups: opt.ParamGroups(), scheds: scheds}
	c.record()
	return c
}

func (c *ChainedScheduler) record() {
	c.lastLR = c.lastLR[:0]
	for _, g := range c.groups {
		c.lastLR = append(c.lastLR, g.Hyper.LearningRate())
	}
}

// Step steps every scheduler in order.
func (c *ChainedScheduler) Step() {
	for _, s := range c.scheds {
		s.Step()
	}
	c.record()
}

// LastLR returns the learning rates after the last Step.
func (c *ChainedScheduler) LastLR() []float64 { return append([]float64(nil), c.lastLR...) }
