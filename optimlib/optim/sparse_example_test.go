package optim_test

import (
	"fmt"
	"math/rand"

	"github.com/descentlab/descent/optimlib/nn"
	"github.com/descentlab/descent/optimlib/optim"
	"github.com/descentlab/descent/optimlib/tensor"
)

func ExampleNewSparseAdam() {
	rng := rand.New(rand.NewSource(1))
	// A bag-of-words classifier: the mean embedding of each bag of words,
	// then a linear layer. The table has sparse gradients, optimized by
	// SparseAdam; the dense layer by Adam.
	emb := nn.NewEmbedding(50, 4, rng, nn.PaddingIdx(0), nn.SparseGrad())
	lin := nn.NewLinear(4, 2, rng)
	sparseOpt := optim.NewSparseAdam(emb.Parameters(), optim.SparseAdam{LR: 0.05})
	denseOpt := optim.NewAdam(lin.Parameters(), optim.Adam{LR: 0.05})

	bags := tensor.New([]float64{
		3, 7, 7, 0, // word 0 pads the shorter bags
		12, 5, 0, 0,
		3, 9, 12, 5,
		7, 7, 9, 0,
	}, 4, 4)
	labels := []int{0, 1, 1, 0}
	untouched := emb.Weight.Data()[40*4] // row 40 is in no bag
	step := func() float64 {
		sparseOpt.ZeroGrad()
		denseOpt.ZeroGrad()
		h := tensor.MeanAxis(emb.Forward(bags), 1, false)
		loss := nn.CrossEntropy(lin.Forward(h), labels)
		loss.Backward()
		sparseOpt.Step(nil)
		denseOpt.Step(nil)
		return loss.Item()
	}
	first := step()
	for i := 0; i < 99; i++ {
		step()
	}
	last := step()
	fmt.Printf("loss %.3f, after 100 steps below 0.001: %v\n", first, last < 0.001)
	fmt.Println("gradient rows of the last step:", emb.Weight.Grad().SparseRows())
	fmt.Println("row 40 unchanged:", emb.Weight.Data()[40*4] == untouched)
	fmt.Println("padding row:", emb.Weight.Data()[:4])
	// Output:
	// loss 0.795, after 100 steps below 0.001: true
	// gradient rows of the last step: [3 7 7 12 5 3 9 12 5 7 7 9]
	// row 40 unchanged: true
	// padding row: [0 0 0 0]
}
