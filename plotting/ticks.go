package plotting

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// niceTicks places four to eight labelled ticks at round values (multiples of
// 1, 2 or 5 times a power of ten) with unlabelled ticks in between, and
// prints the labels without trailing zeros: 0, 250, 500 rather than
// 0.00, 250.00.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: formatTick(lo)}}
	}
	step := niceStep((hi - lo) / 6)
	minor := step / 5
	if m := niceMantissa(step); m == 2 {
		minor = step / 4
	}
	var ticks []plot.Tick
	first := math.Ceil(lo/minor-1e-9) * minor
	for k := 0; ; k++ {
		v := first + float64(k)*minor
		if v > hi+minor*1e-9 {
			break
		}
		if r := math.Round(v / step); math.Abs(v/step-r) < 1e-6 {
			v = r * step
			ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v, step)})
		} else {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}

// niceStep rounds x to 1, 2 or 5 times a power of ten, up unless that
// would leave too few ticks.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*0.8 {
			return m * p
		}
	}
	return 10 * p
}

func niceMantissa(step float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(step)))
	return math.Round(step / p)
}

// tickLabel prints v with as many digits as the step needs: fixed-point
// between 1e-4 and 1e6, otherwise in exponent form (2.5e-05, 1.2e+07), and
// never with the noise of binary arithmetic (0.30000000000000004).
func tickLabel(v, step float64) string {
	if v == 0 {
		return "0"
	}
	if math.Abs(v) >= 1e6 || math.Abs(v) < 1e-4 {
		// Significant digits: from v's leading digit down to the step's.
		digits := int(math.Floor(math.Log10(math.Abs(v))+1e-9)) - int(math.Floor(math.Log10(step)+1e-9)) + 1
		return cleanFloat(strconv.FormatFloat(v, 'e', min(15, max(1, digits))-1, 64))
	}
	decimals := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// cleanFloat drops the trailing zeros of a mantissa printed by
// strconv.FormatFloat in 'e' form: "2.50e-05" becomes "2.5e-05" and
// "1.0e+06" becomes "1e+06".
func cleanFloat(s string) string {
	mant, exp, ok := strings.Cut(s, "e")
	if !ok || !strings.Contains(mant, ".") {
		return s
	}
	mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	return mant + "e" + exp
}

// logTicks marks a logarithmic axis. Its values are decimal numbers
// (m·10^e with m in 1…9) parsed from their decimal form, so they are the
// floats nearest those numbers, and their labels are the shortest strings
// that read back as those floats: 1e-05, 0.0001, 0.1, 10, 1e+06. Powers of
// ten are labelled; over more than eight decades only every second (third,
// …) one. When fewer than two powers of ten fall in the range, the 2s and
// 5s are labelled too, and if that is still not two labels, every digit.
// A range too narrow even for that is marked like a linear one.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return niceTicks{}.Ticks(lo, hi)
	}
	const slack = 1e-9
	in := func(v float64) bool { return v >= lo*(1-slack) && v <= hi*(1+slack) }
	e0 := int(math.Floor(math.Log10(lo)))
	for decimal(1, e0) > lo { // math.Log10 is coarse for subnormal numbers
		e0--
	}
	e1 := int(math.Ceil(math.Log10(hi)))
	decades := e1 - e0
	every := max(1, (decades+7)/8) // label every every-th power of ten

	// labelled reports whether m·10^e carries a label at level: 0 powers
	// of ten only, 1 also 2s and 5s, 2 every digit.
	labelled := func(m, e, level int) bool {
		switch {
		case m == 1:
			return ((e%every)+every)%every == 0
		case level == 1:
			return m == 2 || m == 5
		default:
			return level == 2
		}
	}
	count := func(level int) int {
		n := 0
		for e := e0; e <= e1; e++ {
			for m := 1; m <= 9; m++ {
				if labelled(m, e, level) && in(decimal(m, e)) {
					n++
				}
			}
		}
		return n
	}
	level := 0
	for level < 2 && count(level) < 2 {
		level++
	}
	if count(level) < 2 {
		return niceTicks{}.Ticks(lo, hi)
	}
	var ticks []plot.Tick
	for e := e0; e <= e1; e++ {
		for m := 1; m <= 9; m++ {
			if m > 1 && decades > 15 {
				break // minor ticks would merge into a smear
			}
			v := decimal(m, e)
			if !in(v) {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled(m, e, level) {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// decimal is the float nearest m·10^e: +Inf beyond the largest float
// (ParseFloat's range error) and 0 below the smallest, neither of which
// lies on a log axis.
func decimal(m, e int) float64 {
	v, _ := strconv.ParseFloat(strconv.Itoa(m)+"e"+strconv.Itoa(e), 64)
	return v
}
