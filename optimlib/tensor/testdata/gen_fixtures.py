"""Writes ops.json: forward values and gradients of tensor operations computed
by PyTorch (1.13, float64), which the Go tests compare with to 1e-10 relative.

Every case has inputs, an upstream weight w of the output's shape, the output
y = op(inputs), the gradients of sum(w * y) with respect to every input, and,
for cases marked second-order, the gradients of sum(v * d/dx0 sum(w * y)) with
respect to every input (double backward through the first gradient).

Run from this directory with the Python that has PyTorch 1.13 (Debian's
python3-torch): python3 gen_fixtures.py
"""
import json

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(20240607)


def randn(*shape):
    return torch.randn(tuple(shape), generator=gen)


def uniform(lo, hi, *shape):
    return lo + (hi - lo) * torch.rand(tuple(shape), generator=gen)


def enc(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


cases = []


def case(name, op, fn, inputs, params=None, second=False):
    xs = [t.clone().requires_grad_(True) for t in inputs]
    y = fn(*xs)
    w = uniform(0.5, 1.5, *y.shape)
    grads = torch.autograd.grad((y * w).sum(), xs, create_graph=second, allow_unused=True)
    grads = [torch.zeros_like(x) if g is None else g for x, g in zip(xs, grads)]
    c = {
        "name": name,
        "op": op,
        "params": params or {},
        "inputs": [enc(x) for x in xs],
        "weight": enc(w),
        "output": enc(y),
        "grads": [enc(g) for g in grads],
    }
    if second:
        v = uniform(0.5, 1.5, *xs[0].shape)
        gg = torch.autograd.grad((grads[0] * v).sum(), xs, allow_unused=True)
        gg = [torch.zeros_like(x) if g is None else g for x, g in zip(xs, gg)]
        c["v"] = enc(v)
        c["grad_grads"] = [enc(g) for g in gg]
    cases.append(c)


# Elementwise with broadcasting.
case("add broadcast", "add", torch.add, [randn(2, 1, 3), randn(4, 1)])
case("sub broadcast", "sub", torch.sub, [randn(3, 4), randn(4)])
case("mul broadcast", "mul", torch.mul, [randn(2, 3, 1), randn(1, 4)], second=True)
case("div broadcast", "div", torch.div, [randn(3, 4), uniform(0.5, 2, 3, 1)], second=True)
case("maximum", "maximum", torch.maximum, [randn(3, 4), randn(4)])
case("minimum", "minimum", torch.minimum, [randn(3, 4), randn(3, 1)])
case("pow 2.5", "pow", lambda x: x.pow(2.5), [uniform(0.5, 2, 3, 3)], {"p": 2.5}, second=True)
case("exp", "exp", torch.exp, [randn(2, 5)], second=True)
case("log", "log", torch.log, [uniform(0.2, 3, 2, 5)], second=True)
case("sqrt", "sqrt", torch.sqrt, [uniform(0.2, 3, 2, 5)], second=True)
case("abs", "abs", torch.abs, [randn(2, 5)])
case("clamp", "clamp", lambda x: x.clamp(-0.5, 0.7), [randn(3, 5)], {"lo": -0.5, "hi": 0.7})
case("where", "where", lambda a, b: torch.where(a > 0, a, b), [randn(3, 4), randn(4)])

# Activations.
case("relu", "relu", F.relu, [randn(4, 5)])
case("leaky_relu", "leaky_relu", lambda x: F.leaky_relu(x, 0.1), [randn(4, 5)], {"slope": 0.1})
case("tanh", "tanh", torch.tanh, [randn(4, 5)], second=True)
case("sigmoid", "sigmoid", torch.sigmoid, [2 * randn(4, 5)], second=True)
case("gelu", "gelu", F.gelu, [2 * randn(4, 5)], second=True)
case("softmax dim 1", "softmax", lambda x: F.softmax(x, 1), [randn(4, 6)], {"axis": 1}, second=True)
case("softmax dim 0 of 3-d", "softmax", lambda x: F.softmax(x, 0), [randn(3, 2, 4)], {"axis": 0})
case("log_softmax dim -1", "log_softmax", lambda x: F.log_softmax(x, -1), [3 * randn(5, 7)], {"axis": -1}, second=True)
case("log_softmax dim 1 of 3-d", "log_softmax", lambda x: F.log_softmax(x, 1), [randn(2, 4, 3)], {"axis": 1})

# Reductions.
case("sum", "sum", torch.sum, [randn(3, 4)])
case("sum dim 1", "sum_axis", lambda x: x.sum(1), [randn(2, 3, 4)], {"axis": 1, "keep": False})
case("mean dim -1 keepdim", "mean_axis", lambda x: x.mean(-1, keepdim=True), [randn(3, 4)], {"axis": -1, "keep": True})
case("var unbiased dim 0", "var", lambda x: x.var(0, unbiased=True), [randn(5, 3)], {"axis": 0, "unbiased": True, "keep": False}, second=True)
case("var biased dim 1 keepdim", "var", lambda x: x.var(1, unbiased=False, keepdim=True), [randn(3, 6)], {"axis": 1, "unbiased": False, "keep": True})
case("max with ties", "max", torch.max, [torch.tensor([[1.0, 3.0, 2.0], [3.0, 0.5, 3.0]])])
case("max dim 1", "max_axis", lambda x: x.max(1)[0], [randn(4, 5)], {"axis": 1, "keep": False})
case("norm", "norm", torch.norm, [randn(3, 4)], second=True)

# Linear algebra and shape.
case("matmul 2-d", "matmul", torch.matmul, [randn(5, 4), randn(4, 3)], second=True)
case("matmul batched broadcast", "matmul", torch.matmul, [randn(2, 1, 3, 4), randn(5, 4, 2)], second=True)
case("matmul vector-matrix batched", "matmul", torch.matmul, [randn(3), randn(2, 3, 4)])
case("matmul matrix-vector", "matmul", torch.matmul, [randn(4, 3), randn(3)])
case("linear", "linear", F.linear, [randn(4, 5), randn(3, 5), randn(3)], second=True)
case("linear 3-d input no bias", "linear", lambda x, w: F.linear(x, w), [randn(2, 3, 5), randn(4, 5)], second=True)
case("matmul with transposed weight", "matmul_t", lambda x, w: x @ w.t(), [randn(4, 5), randn(3, 5)], second=True)
case("permute", "permute", lambda x: x.permute(2, 0, 1), [randn(2, 3, 4)], {"axes": [2, 0, 1]})
case("transpose", "transpose", lambda x: x.transpose(-1, -2), [randn(2, 3, 4)])

# Convolution and pooling.
case("conv2d stride 2 padding 1", "conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
     [randn(2, 3, 7, 6), randn(4, 3, 3, 2), randn(4)], {"stride": 2, "padding": 1}, second=True)
case("conv2d stride 1 no padding no bias", "conv2d", lambda x, w: F.conv2d(x, w, None, stride=1, padding=0),
     [randn(1, 2, 5, 5), randn(3, 2, 3, 3)], {"stride": 1, "padding": 0}, second=True)
case("conv2d stride 1 padding 2", "conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=2),
     [randn(2, 2, 5, 4), randn(3, 2, 3, 3), randn(3)], {"stride": 1, "padding": 2})
case("conv2d stride 3 padding 1", "conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=3, padding=1),
     [randn(1, 2, 8, 7), randn(2, 2, 2, 3), randn(2)], {"stride": 3, "padding": 1})
case("max_pool2d 2x2", "max_pool2d", lambda x: F.max_pool2d(x, 2, 2, 0), [randn(2, 3, 6, 6)],
     {"kernel": 2, "stride": 2, "padding": 0}, second=True)
case("max_pool2d 3x3 stride 2 padding 1", "max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1), [randn(2, 2, 7, 5)],
     {"kernel": 3, "stride": 2, "padding": 1})
case("avg_pool2d 2x2", "avg_pool2d", lambda x: F.avg_pool2d(x, 2, 2, 0), [randn(2, 3, 6, 6)],
     {"kernel": 2, "stride": 2, "padding": 0})
case("avg_pool2d 3x3 stride 2 padding 1", "avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1), [randn(1, 2, 7, 5)],
     {"kernel": 3, "stride": 2, "padding": 1})
case("unfold", "unfold", lambda x: F.unfold(x, (2, 3), padding=1, stride=2), [randn(2, 2, 5, 6)],
     {"kh": 2, "kw": 3, "stride": 2, "padding": 1})
case("unfold stride 1 padding 1", "unfold", lambda x: F.unfold(x, (3, 2), padding=1, stride=1), [randn(1, 2, 4, 5)],
     {"kh": 3, "kw": 2, "stride": 1, "padding": 1})
case("fold", "fold", lambda c: F.fold(c, (5, 6), (2, 3), padding=1, stride=2), [randn(2, 12, 9)],
     {"h": 5, "w": 6, "kh": 2, "kw": 3, "stride": 2, "padding": 1})


# Hessians and Jacobians of small functions.
def mlp_loss(x):
    a = torch.tensor([[0.5, -1.0, 0.3], [0.2, 0.4, -0.7]])
    h = torch.tanh(a @ x)
    return F.log_softmax(h, 0)[1] + (x ** 2).sum() * 0.1


def jac_fn(x):
    return torch.stack([x[0] * x[1], x[2] ** 3, torch.exp(x[0] - x[2])])


x0 = torch.tensor([0.3, -0.8, 1.1])
derivs = {
    "hessian": {"x": enc(x0), "value": enc(torch.autograd.functional.hessian(mlp_loss, x0))},
    "jacobian": {"x": enc(x0), "value": enc(torch.autograd.functional.jacobian(jac_fn, x0))},
}

with open("ops.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "derivatives": derivs}, f, indent=None)
    f.write("\n")
print(len(cases), "cases")
