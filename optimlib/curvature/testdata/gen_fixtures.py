"""Reference Hessians for the curvature tests, from PyTorch.

Run from this directory with a Python that has torch 1.13:

    python3 gen_fixtures.py

It writes hessians.json: for a few functions of a parameter vector and two
small MLPs, the loss, the gradient and the exact Hessian given by
torch.autograd.functional.hessian, all in float64. The Go tests rebuild the
same functions from tensor operations and compare to 1e-10.
"""

import json

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def rosenbrock(w):
    return (100 * (w[1:] - w[:-1] ** 2) ** 2 + (1 - w[:-1]) ** 2).sum()


def one_one_one(w):
    # The lecture's 1-1-1 network on the single sample x = 1, y = 1.
    return (1 - w[0] * w[1]) ** 2


LSE_A = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.8, -1.1], [-0.7, 0.2, 0.9], [1.5, 0.4, -0.3]])


def logsumexp_quartic(w):
    z = LSE_A @ w.reshape(3, 1)
    return torch.log(torch.exp(z).sum()) + 0.5 * (w * w).sum() ** 2


def sigmoid_chain(w):
    a, b = w[:-1], w[1:]
    return (torch.sigmoid(a * b) * torch.exp(0.3 * a)).sum() + torch.tanh(w).pow(3).sum()


FUNCTIONS = [
    ("rosenbrock", rosenbrock, [-1.2, 1.0, 0.7, 1.3]),
    ("one_one_one", one_one_one, [0.6, -1.4]),
    ("logsumexp_quartic", logsumexp_quartic, [0.2, -0.4, 0.9]),
    ("sigmoid_chain", sigmoid_chain, [0.5, -1.0, 1.5, 0.25, -0.75]),
]


def mlp_loss(flat, shapes, x, target, activation, loss_kind):
    params, off = [], 0
    for shape in shapes:
        n = 1
        for d in shape:
            n *= d
        params.append(flat[off:off + n].reshape(shape))
        off += n
    h = x
    for i in range(0, len(params), 2):
        w, b = params[i], params[i + 1]
        h = h @ w.T + b
        if i + 2 < len(params):
            h = torch.tanh(h) if activation == "tanh" else torch.sigmoid(h)
    if loss_kind == "cross_entropy":
        return F.cross_entropy(h, target)
    return F.mse_loss(h, target)


def mlp_case(name, sizes, samples, activation, loss_kind, seed):
    g = torch.Generator().manual_seed(seed)
    layers = [torch.nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
    torch.manual_seed(seed)
    for layer in layers:
        layer.reset_parameters()
    params = []
    for layer in layers:
        params += [layer.weight.detach().clone(), layer.bias.detach().clone()]
    x = torch.randn(samples, sizes[0], generator=g)
    if loss_kind == "cross_entropy":
        target = torch.randint(0, sizes[-1], (samples,), generator=g)
        target_json = {"labels": target.tolist()}
    else:
        target = torch.randn(samples, sizes[-1], generator=g)
        target_json = {"y": target.tolist()}
    shapes = [list(p.shape) for p in params]
    flat = torch.cat([p.reshape(-1) for p in params])

    def f(v):
        return mlp_loss(v, shapes, x, target, activation, loss_kind)

    hess = torch.autograd.functional.hessian(f, flat)
    grad = torch.autograd.functional.jacobian(f, flat)
    case = {
        "name": name,
        "sizes": sizes,
        "activation": activation,
        "loss_kind": loss_kind,
        "x": x.tolist(),
        "params": [{"shape": list(p.shape), "data": p.reshape(-1).tolist()} for p in params],
        "loss": f(flat).item(),
        "grad": grad.tolist(),
        "hessian": hess.tolist(),
    }
    case.update(target_json)
    return case


def main():
    functions = []
    for name, f, w in FUNCTIONS:
        wt = torch.tensor(w)
        functions.append({
            "name": name,
            "w": w,
            "loss": f(wt).item(),
            "grad": torch.autograd.functional.jacobian(f, wt).tolist(),
            "hessian": torch.autograd.functional.hessian(f, wt).tolist(),
        })
    mlps = [
        mlp_case("mlp_tanh_cross_entropy", [3, 5, 3], 8, "tanh", "cross_entropy", 1),
        mlp_case("mlp_sigmoid_mse", [2, 4, 2], 6, "sigmoid", "mse", 2),
    ]
    with open("hessians.json", "w") as out:
        json.dump({"torch": torch.__version__, "functions": functions, "mlps": mlps}, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
