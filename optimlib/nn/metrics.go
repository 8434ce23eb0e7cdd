package nn

import "github.com/descentlab/descent/optimlib/tensor"

// Accuracy returns the fraction of the N rows of N×C scores (logits or
// probabilities) whose largest entry is at the row's class index, the
// classification accuracy a training loop prints. Ties go to the first
// largest entry, as torch.argmax breaks them.
func Accuracy(scores *tensor.Tensor, labels []int) float64 {
	checkLabels("Accuracy", scores, labels)
	if len(labels) == 0 {
		return 0
	}
	correct := 0
	for i, c := range tensor.ArgMax(scores, 1) {
		if c == labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(labels))
}
