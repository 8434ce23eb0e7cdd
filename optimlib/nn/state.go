package nn

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/descentlab/descent/optimlib/tensor"
)

// stateFormat names the state file format, written in every file.
const stateFormat = "descent-nn-state/1"

// stateFile is the JSON layout that Save documents.
type stateFile struct {
	Format  string        `json:"format"`
	Tensors []stateTensor `json:"tensors"`
}

type stateTensor struct {
	Name  string      `json:"name"`
	Shape []int       `json:"shape"`
	Data  []jsonFloat `json:"data"`
}

type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
		return nil
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
		return nil
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = jsonFloat(v)
	return err
}

// WriteState writes the state dict of m (parameters and buffers) to w as
// JSON (see Save for the format).
func WriteState(w io.Writer, m Module) error {
	sf := stateFile{Format: stateFormat}
	for _, t := range namedState(m) {
		d := make([]jsonFloat, t.Tensor.Numel())
		for i, v := range t.Tensor.Data() {
			d[i] = jsonFloat(v)
		}
		shape := append([]int{}, t.Tensor.Shape()...) // [] rather than null for scalars
		sf.Tensors = append(sf.Tensors, stateTensor{Name: t.Name, Shape: shape, Data: d})
	}
	if err := json.NewEncoder(w).Encode(sf); err != nil {
		return fmt.Errorf("nn: WriteState: %w", err)
	}
	return nil
}

// ReadState reads a state written by WriteState from r and loads it into m
// with LoadStateDict's strict rules.
func ReadState(r io.Reader, m Module) error {
	var sf stateFile
	if err := json.NewDecoder(r).Decode(&sf); err != nil {
		return fmt.Errorf("nn: ReadState: %w", err)
	}
	if sf.Format != stateFormat {
		return fmt.Errorf("nn: ReadState: format %q, want %q", sf.Format, stateFormat)
	}
	sd := map[string]*tensor.Tensor{}
	for _, st := range sf.Tensors {
		n := 1
		for _, d := range st.Shape {
			if d < 0 {
				return fmt.Errorf("nn: ReadState: %q has negative dimension in shape %v", st.Name, st.Shape)
			}
			n *= d
		}
		if n != len(st.Data) {
			return fmt.Errorf("nn: ReadState: %q has shape %v but %d values", st.Name, st.Shape, len(st.Data))
		}
		d := make([]float64, n)
		for i, v := range st.Data {
			d[i] = float64(v)
		}
		if len(st.Shape) == 0 {
			sd[st.Name] = tensor.Scalar(d[0])
		} else {
			sd[st.Name] = tensor.New(d, st.Shape...)
		}
	}
	return LoadStateDict(m, sd)
}

// Save writes the state dict of m to the file at path, as JSON:
//
//	{"format": "descent-nn-state/1",
//	 "tensors": [{"name": "0.weight", "shape": [256, 784], "data": [...]}, ...]}
//
// with the tensors in state-dict order and the values as JSON numbers in
// Go's shortest exact form, so that they load back bit for bit (NaN and
// ±Inf as the strings "NaN", "+Inf", "-Inf"). Python reads it with
// json.load.
func Save(m Module, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("nn: Save: %w", err)
	}
	if err := WriteState(f, m); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("nn: Save: %w", err)
	}
	return nil
}

// Load reads a file written by Save into m's parameters and buffers (in
// place, strictly: the keys and shapes must match m's).
func Load(m Module, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("nn: Load: %w", err)
	}
	defer f.Close()
	return ReadState(f, m)
}
