package tensor_test

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/tensor"
)

func ExampleBatchNorm() {
	// Two samples with two channels of two values each: channel 0 holds
	// 1, 3, 5, 7 and channel 1 holds 0, 0, 2, 2.
	x := tensor.New([]float64{1, 3, 0, 0, 5, 7, 2, 2}, 2, 2, 2).SetRequiresGrad(true)
	gamma := tensor.New([]float64{1, 2}).SetRequiresGrad(true)
	beta := tensor.New([]float64{0, 10}).SetRequiresGrad(true)
	y, mean, variance := tensor.BatchNorm(x, gamma, beta, 0)
	fmt.Println(mean, variance)
	fmt.Println(tensor.Reshape(y, 2, 4))
	// The loss Σ y depends on β alone: the normalized values sum to zero.
	tensor.Sum(y).Backward()
	fmt.Println(beta.Grad(), gamma.Grad())
	// Output:
	// tensor([4., 1.]) tensor([5., 1.])
	// tensor([[-1.3416, -0.4472,  8.0000,  8.0000],
	//         [ 0.4472,  1.3416, 12.0000, 12.0000]], grad_fn=<Reshape>)
	// tensor([4., 4.]) tensor([0., 0.])
}

func ExampleBatchNormEval() {
	// Evaluation mode normalizes with fixed statistics, such as a layer's
	// running mean and variance.
	x := tensor.New([]float64{1, 2, 3, 4}, 2, 2)
	runningMean, runningVar := tensor.New([]float64{2, 3}), tensor.New([]float64{4, 1})
	fmt.Println(tensor.BatchNormEval(x, runningMean, runningVar, nil, nil, 0))
	// Output:
	// tensor([[-0.5000, -1.0000],
	//         [ 0.5000,  1.0000]])
}
