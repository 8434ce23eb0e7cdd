// Package curvature measures the second-order shape of a loss: exact dense
// Hessians, Hessian-vector products, extreme eigenpairs, the trace, the
// eigenvalue density, condition numbers and the step sizes they imply.
//
// Everything works on an Operator, a symmetric linear map given by its
// product with a vector. FromLoss and FromModel build one from a loss
// written in tensor operations: the product H·v is the gradient of
// <∇f(w), v>, computed by differentiating the gradient graph once more
// (Pearlmutter's trick), so the Hessian is never formed. FromMatrix wraps a
// plain symmetric matrix, which is how the algorithms are checked against
// dense linear algebra.
//
// The lecture's claims become numbers a cell can print:
//
//   - γopt = 1/λmax is the optimal step of gradient descent on a quadratic
//     and 2/λmax the largest stable one (OptimalStep, MaxStableStep);
//   - convergence is governed by the condition number L/μ of the nonzero
//     spectrum (Condition);
//   - a Hessian with negative eigenvalues at a critical point is a saddle
//     (NegativeFraction).
//
// For up to a few thousand parameters, Hessian and DenseSpectrum give the
// exact matrix and all its eigenvalues. For larger models, Lanczos finds
// the extreme eigenpairs, LambdaMax runs power iteration, Trace runs
// Hutchinson's estimator and EstimateDensity runs stochastic Lanczos
// quadrature (Ghorbani, Krishnan and Xiao, 2019). Analyze picks the right
// tools for the size and returns a Report that prints as text and renders
// as HTML in a notebook. A typical cell:
//
//	op := curvature.FromModel(net, x, func(out *tensor.Tensor) *tensor.Tensor {
//		return nn.CrossEntropy(out, labels)
//	})
//	curvature.LambdaMax(op)  // λmax by power iteration
//	curvature.TopEigen(op, 5) // the five largest eigenpairs by Lanczos
//	curvature.Analyze(op)     // everything, as a Report
//
// Operators built from a loss are not safe for concurrent use, and the
// algorithms are deterministic: their random vectors come from explicit
// seeds.
package curvature
