package tensor_test

import (
	"fmt"

	"github.com/descentlab/descent/optimlib/tensor"
)

func ExampleNew() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x)
	fmt.Println(x.Shape(), tensor.Add(x, tensor.New([]float64{10, 20, 30})))
	// Output:
	// tensor([[1., 2., 3.],
	//         [4., 5., 6.]])
	// [2 3] tensor([[11., 22., 33.],
	//         [14., 25., 36.]])
}

func ExampleMatMul() {
	a := tensor.New([]float64{1, 2, 3, 4}, 2, 2)
	b := tensor.New([]float64{0, 1, 1, 0}, 2, 2)
	fmt.Println(tensor.MatMul(a, b))
	// A batch of two matrices times one matrix: the batch dimension broadcasts.
	batch := tensor.Stack([]*tensor.Tensor{a, tensor.Eye(2)}, 0)
	fmt.Println(tensor.MatMul(batch, b).Shape())
	// Output:
	// tensor([[2., 1.],
	//         [4., 3.]])
	// [2 2 2]
}

func ExampleTensor_Backward() {
	// Least squares: L(w) = ‖Xw − y‖², ∇L = 2Xᵀ(Xw − y).
	X := tensor.New([]float64{1, 0, 1, 1, 1, 2}, 3, 2)
	y := tensor.New([]float64{1, 2, 2}, 3, 1)
	w := tensor.Zeros(2, 1).SetRequiresGrad(true)
	loss := tensor.Sum(tensor.Square(tensor.Sub(tensor.MatMul(X, w), y)))
	loss.Backward()
	fmt.Println(loss.Item(), w.Grad())
	// Output:
	// 9 tensor([[-10.],
	//         [-12.]])
}

func ExampleGrad() {
	// f(x) = Σ xᵢ³: the gradient 3x², recorded with createGraph, is
	// differentiated again along v to give the Hessian-vector product 6x⊙v.
	x := tensor.New([]float64{1, 2}).SetRequiresGrad(true)
	v := tensor.New([]float64{1, -1})
	g := tensor.Grad(tensor.Sum(tensor.PowScalar(x, 3)), []*tensor.Tensor{x}, true)[0]
	hv := tensor.Grad(tensor.Dot(g, v), []*tensor.Tensor{x}, false)[0]
	fmt.Println(g.Detach(), hv)
	// Output:
	// tensor([ 3., 12.]) tensor([  6., -12.])
}

func ExampleHessian() {
	// Rosenbrock's function at (1, 1), its minimum.
	f := func(x *tensor.Tensor) *tensor.Tensor {
		a, b := tensor.Row(x, 0), tensor.Row(x, 1)
		return tensor.Add(tensor.Square(tensor.AddScalar(tensor.Neg(a), 1)),
			tensor.MulScalar(tensor.Square(tensor.Sub(b, tensor.Square(a))), 100))
	}
	fmt.Println(tensor.Hessian(f, tensor.New([]float64{1, 1})))
	// Output:
	// tensor([[ 802., -400.],
	//         [-400.,  200.]])
}

func ExampleGradCheck() {
	f := func(in []*tensor.Tensor) *tensor.Tensor {
		return tensor.Softmax(tensor.MatMul(in[0], in[1]), 1)
	}
	a := tensor.New([]float64{0.1, -0.2, 0.3, 0.4}, 2, 2)
	b := tensor.New([]float64{1, 2, -1, 0.5}, 2, 2)
	fmt.Println(tensor.GradCheck(f, []*tensor.Tensor{a, b}, 1e-6, 1e-6))
	// Output:
	// <nil>
}

func ExampleConv2d() {
	x := tensor.Ones(1, 1, 4, 4)
	w := tensor.Ones(2, 1, 3, 3)
	y := tensor.Conv2d(x, w, tensor.New([]float64{0, 100}), 1, 1)
	fmt.Println(y.Shape())
	fmt.Println(tensor.Row(tensor.Row(y, 0), 0))
	// Output:
	// [1 2 4 4]
	// tensor([[4., 6., 6., 4.],
	//         [6., 9., 9., 6.],
	//         [6., 9., 9., 6.],
	//         [4., 6., 6., 4.]])
}

func ExampleLinear() {
	// A layer with two inputs and three outputs, weights in PyTorch's
	// out×in layout, applied to a batch of two.
	x := tensor.New([]float64{1, 2, 3, 4}, 2, 2)
	w := tensor.New([]float64{1, 0, 0, 1, 1, 1}, 3, 2).SetRequiresGrad(true)
	b := tensor.New([]float64{0, 10, 100}).SetRequiresGrad(true)
	y := tensor.Linear(x, w, b)
	fmt.Println(y)
	tensor.Sum(y).Backward()
	fmt.Println(w.Grad(), b.Grad())
	// Output:
	// tensor([[  1.,  12., 103.],
	//         [  3.,  14., 107.]], grad_fn=<Linear>)
	// tensor([[4., 6.],
	//         [4., 6.],
	//         [4., 6.]]) tensor([2., 2., 2.])
}
