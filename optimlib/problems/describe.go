package problems

import "fmt"

// The String methods name a problem and its size, so that a problem shown
// as a notebook cell's value reads as what it is.

// String describes the quadratic.
func (q *Quadratic) String() string {
	return fmt.Sprintf("Quadratic(n=%d): f(w) = ½ wᵀAw − bᵀw", q.Dim())
}

// String describes the quadratic and its gradient noise.
func (q *NoisyQuadratic) String() string {
	return fmt.Sprintf("NoisyQuadratic(n=%d, σ=%g): f(w) = ½ wᵀAw − bᵀw, gradient noise on b", q.Dim(), q.Sigma)
}

// String describes the function.
func (r Rosenbrock) String() string {
	return fmt.Sprintf("Rosenbrock(n=%d): f(w) = Σ 100 (w_{i+1} − w_i²)² + (1 − w_i)²", r.Dim())
}

// String describes the data and the regularization.
func (l *Logistic) String() string {
	rows, cols := l.X.Dims()
	return fmt.Sprintf("Logistic(%d examples, %d features, λ=%g)", rows, cols, l.Lambda)
}

// String describes the network's loss.
func (OneOneOne) String() string { return "OneOneOne: L(w) = (1 − w1·w2)²" }
