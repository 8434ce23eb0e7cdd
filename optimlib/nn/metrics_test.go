package nn

import (
	"testing"

	"github.com/descentlab/descent/optimlib/tensor"
)

func TestAccuracy(t *testing.T) {
	scores := tensor.New([]float64{
		0.1, 0.7, 0.2, // class 1
		2, -1, 0, // class 0
		0, 0, 0, // a tie: class 0
		-3, -2, -1, // class 2
	}, 4, 3)
	cases := []struct {
		labels []int
		want   float64
	}{
		{[]int{1, 0, 0, 2}, 1},
		{[]int{1, 0, 1, 2}, 0.75},
		{[]int{0, 1, 2, 0}, 0},
	}
	for _, c := range cases {
		if got := Accuracy(scores, c.labels); got != c.want {
			t.Errorf("Accuracy(%v) = %v, want %v", c.labels, got, c.want)
		}
	}
	if got := Accuracy(tensor.Zeros(0, 3), nil); got != 0 {
		t.Errorf("accuracy of no samples = %v, want 0", got)
	}
	for _, bad := range []struct {
		scores *tensor.Tensor
		labels []int
		want   string
	}{
		{scores, []int{1, 0}, "nn: Accuracy: 2 labels for input shape [4 3]"},
		{scores, []int{1, 0, 3, 2}, "nn: Accuracy: label 3 of sample 2 out of range [0, 3)"},
		{tensor.Zeros(4), []int{0, 0, 0, 0}, "nn: Accuracy: input shape [4] is not N×C"},
	} {
		mustPanic(t, bad.want, func() { Accuracy(bad.scores, bad.labels) })
	}
}
