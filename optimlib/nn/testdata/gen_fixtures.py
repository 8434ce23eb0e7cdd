"""Writes the PyTorch 1.13 reference numbers for the nn package's tests.

Run from this directory with Debian's python3-torch:

    python3 gen_fixtures.py

It writes layers.json and losses.json. Every layer case gives the initial
state dict, then for each step the mode (train or eval), the input, an
upstream gradient u, the output y, the gradient of sum(y * u) with respect to
the input and the parameters, and the state dict after the step (running
statistics). Every loss case gives the input, the target, the loss and the
gradient of sum(loss * u) with respect to the input. All in float64.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(20241126)


def randn(*shape):
    return torch.randn(tuple(shape), generator=gen)


def enc(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def state(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def randomize_affine(m):
    """Gives affine parameters non-trivial values so that their gradients matter."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.split(".")[-1] in ("weight", "bias") and isinstance(
                dict(m.named_modules())[".".join(name.split(".")[:-1])],
                (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.GroupNorm),
            ):
                p.copy_(randn(*p.shape) * 0.5 + (1.0 if name.endswith("weight") else 0.0))


def layer_case(name, kind, args, module, shapes, modes, scale=1.0, offset=0.0):
    randomize_affine(module)
    case = {"name": name, "kind": kind, "args": args, "state": state(module), "steps": []}
    for shape, mode in zip(shapes, modes):
        module.train(mode == "train")
        x = (randn(*shape) * scale + offset).requires_grad_(True)
        module.zero_grad(set_to_none=True)
        y = module(x)
        u = randn(*y.shape)
        (y * u).sum().backward()
        case["steps"].append({
            "train": mode == "train",
            "input": enc(x),
            "upstream": enc(u),
            "output": enc(y),
            "input_grad": enc(x.grad),
            "param_grads": {k: enc(p.grad) for k, p in module.named_parameters()},
            "state": state(module),
        })
    return case


def rep(shape, n):
    return [shape] * n


def layers():
    cases = []
    torch.manual_seed(1)
    train_eval = ["train", "eval"]

    def add(name, kind, args, module, shape, modes=("train",), **kw):
        cases.append(layer_case(name, kind, args, module, rep(shape, len(modes)), list(modes), **kw))

    add("linear", "Linear", {"in": 5, "out": 3, "bias": True}, nn.Linear(5, 3), [4, 5])
    add("linear_3d", "Linear", {"in": 5, "out": 2, "bias": True}, nn.Linear(5, 2), [2, 3, 5])
    add("linear_nobias", "Linear", {"in": 4, "out": 3, "bias": False}, nn.Linear(4, 3, bias=False), [3, 4])
    add("conv_pad1", "Conv2d", {"in": 2, "out": 3, "kernel": 3, "stride": 1, "padding": 1},
        nn.Conv2d(2, 3, 3, stride=1, padding=1), [2, 2, 5, 5])
    add("conv_stride2", "Conv2d", {"in": 2, "out": 4, "kernel": 3, "stride": 2, "padding": 0},
        nn.Conv2d(2, 4, 3, stride=2, padding=0), [2, 2, 7, 6])
    add("maxpool2", "MaxPool2d", {"kernel": 2, "stride": 0, "padding": 0}, nn.MaxPool2d(2), [2, 3, 6, 6])
    add("maxpool3s2p1", "MaxPool2d", {"kernel": 3, "stride": 2, "padding": 1}, nn.MaxPool2d(3, 2, 1), [1, 2, 7, 7])
    add("avgpool2", "AvgPool2d", {"kernel": 2, "stride": 0, "padding": 0}, nn.AvgPool2d(2), [2, 3, 6, 6])
    add("avgpool3s2p1", "AvgPool2d", {"kernel": 3, "stride": 2, "padding": 1}, nn.AvgPool2d(3, 2, 1), [1, 2, 7, 7])
    add("flatten", "Flatten", {}, nn.Flatten(), [2, 3, 4, 5])
    add("relu", "ReLU", {}, nn.ReLU(), [4, 6])
    add("leaky_relu", "LeakyReLU", {"slope": 0.01}, nn.LeakyReLU(), [4, 6])
    add("leaky_relu_02", "LeakyReLU", {"slope": 0.2}, nn.LeakyReLU(0.2), [4, 6])
    add("tanh", "Tanh", {}, nn.Tanh(), [4, 6])
    add("sigmoid", "Sigmoid", {}, nn.Sigmoid(), [4, 6])
    add("gelu", "GELU", {}, nn.GELU(), [4, 6], scale=2.0)
    add("softmax", "Softmax", {"axis": 1}, nn.Softmax(dim=1), [4, 6])
    add("softmax_last3d", "Softmax", {"axis": -1}, nn.Softmax(dim=-1), [2, 3, 4])
    add("log_softmax", "LogSoftmax", {"axis": 1}, nn.LogSoftmax(dim=1), [4, 6])
    add("dropout_eval", "Dropout", {"p": 0.5}, nn.Dropout(0.5), [4, 6], modes=("eval",))

    seq = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    add("sequential_mlp", "SequentialMLP", {}, seq, [5, 6], modes=("train", "train", "eval"))

    steps = ("train", "train", "train", "eval")
    for mom_name, mom in (("m01", 0.1), ("mnone", None)):
        add("bn1d_" + mom_name, "BatchNorm1d", {"c": 4, "momentum": mom},
            nn.BatchNorm1d(4, momentum=mom), [6, 4], steps, scale=2.0, offset=1.0)
        add("bn1d_3d_" + mom_name, "BatchNorm1d", {"c": 3, "momentum": mom},
            nn.BatchNorm1d(3, momentum=mom), [5, 3, 4], steps, scale=2.0, offset=1.0)
        add("bn2d_" + mom_name, "BatchNorm2d", {"c": 3, "momentum": mom},
            nn.BatchNorm2d(3, momentum=mom), [4, 3, 3, 5], steps, scale=2.0, offset=1.0)
    add("bn1d_m03_eps", "BatchNorm1d", {"c": 4, "momentum": 0.3, "eps": 1e-3},
        nn.BatchNorm1d(4, momentum=0.3, eps=1e-3), [6, 4], steps, offset=-1.0)
    add("bn1d_noaffine", "BatchNorm1d", {"c": 4, "affine": False},
        nn.BatchNorm1d(4, affine=False), [6, 4], steps, scale=3.0)
    add("bn2d_notrack", "BatchNorm2d", {"c": 3, "track": False},
        nn.BatchNorm2d(3, track_running_stats=False), [4, 3, 3, 3], steps, offset=2.0)
    add("bn2d_noaffine_notrack", "BatchNorm2d", {"c": 2, "affine": False, "track": False},
        nn.BatchNorm2d(2, affine=False, track_running_stats=False), [3, 2, 4, 4], ("train", "eval"))

    add("ln_1", "LayerNorm", {"shape": [5]}, nn.LayerNorm(5), [4, 5], train_eval, scale=2.0, offset=1.0)
    add("ln_2", "LayerNorm", {"shape": [3, 4]}, nn.LayerNorm([3, 4]), [2, 3, 4], train_eval)
    add("ln_noaffine", "LayerNorm", {"shape": [6], "affine": False, "eps": 1e-3},
        nn.LayerNorm(6, eps=1e-3, elementwise_affine=False), [3, 2, 6], train_eval)

    add("in1d", "InstanceNorm1d", {"c": 3}, nn.InstanceNorm1d(3), [4, 3, 6], train_eval, offset=1.0)
    add("in2d", "InstanceNorm2d", {"c": 3}, nn.InstanceNorm2d(3), [2, 3, 4, 5], train_eval)
    add("in1d_affine_track", "InstanceNorm1d", {"c": 3, "affine": True, "track": True},
        nn.InstanceNorm1d(3, affine=True, track_running_stats=True), [4, 3, 6], steps, scale=2.0, offset=1.0)
    add("in2d_affine_track_m02", "InstanceNorm2d", {"c": 2, "affine": True, "track": True, "momentum": 0.2},
        nn.InstanceNorm2d(2, affine=True, track_running_stats=True, momentum=0.2), [3, 2, 3, 4], steps, offset=-1.0)
    add("in2d_affine", "InstanceNorm2d", {"c": 2, "affine": True},
        nn.InstanceNorm2d(2, affine=True), [3, 2, 3, 4], train_eval)

    add("gn_2_4", "GroupNorm", {"groups": 2, "c": 4}, nn.GroupNorm(2, 4), [3, 4, 5], train_eval, offset=1.0)
    add("gn_3_6_2d", "GroupNorm", {"groups": 3, "c": 6}, nn.GroupNorm(3, 6), [2, 6, 3, 3], train_eval)
    add("gn_1_4_flat", "GroupNorm", {"groups": 1, "c": 4}, nn.GroupNorm(1, 4), [3, 4], train_eval)
    add("gn_4_4_noaffine", "GroupNorm", {"groups": 4, "c": 4, "affine": False, "eps": 1e-3},
        nn.GroupNorm(4, 4, eps=1e-3, affine=False), [2, 4, 5], train_eval)
    return cases


def losses():
    cases = []

    def add(name, kind, reduction, x, fn, target=None, labels=None):
        x = x.detach().requires_grad_(True)
        out = fn(x, reduction)
        u = randn(*out.shape)
        (out * u).sum().backward()
        cases.append({
            "name": name, "kind": kind, "reduction": reduction,
            "input": enc(x),
            "target": enc(target) if target is not None else None,
            "labels": labels.tolist() if labels is not None else None,
            "upstream": enc(u), "output": enc(out), "input_grad": enc(x.grad),
        })

    for red in ("mean", "sum", "none"):
        t = randn(4, 3)
        add("mse_" + red, "MSELoss", red, randn(4, 3), lambda x, r, t=t: F.mse_loss(x, t, reduction=r), target=t)
        t = randn(4, 3)
        add("l1_" + red, "L1Loss", red, randn(4, 3), lambda x, r, t=t: F.l1_loss(x, t, reduction=r), target=t)
        y = torch.randint(0, 4, (5,), generator=gen)
        add("ce_" + red, "CrossEntropy", red, randn(5, 4) * 3,
            lambda x, r, y=y: F.cross_entropy(x, y, reduction=r), labels=y)
        y = torch.randint(0, 4, (5,), generator=gen)
        add("nll_" + red, "NLLLoss", red, F.log_softmax(randn(5, 4), dim=1),
            lambda x, r, y=y: F.nll_loss(x, y, reduction=r), labels=y)
        t = torch.rand(4, 3, generator=gen)
        add("bce_soft_" + red, "BCEWithLogits", red, randn(4, 3) * 3,
            lambda x, r, t=t: F.binary_cross_entropy_with_logits(x, t, reduction=r), target=t)
        y = torch.randint(0, 3, (6,), generator=gen)
        add("multimargin_" + red, "MultiMarginLoss", red, randn(6, 3),
            lambda x, r, y=y: F.multi_margin_loss(x, y, reduction=r), labels=y)
        t = torch.randint(0, 2, (8, 1), generator=gen).double() * 2 - 1
        hinge = {"mean": torch.mean, "sum": torch.sum, "none": lambda v: v}[red]
        add("hinge_" + red, "HingeLoss", red, randn(8, 1) * 1.5,
            lambda x, r, t=t, h=hinge: h(torch.clamp(1 - t * x, min=0)), target=t)
    t = torch.randint(0, 2, (2, 5), generator=gen).double()
    x = torch.tensor([[-40.0, -3.0, 0.5, 3.0, 40.0], [35.0, -1e-3, 1e-3, -20.0, 20.0]])
    add("bce_hard_extreme", "BCEWithLogits", "mean", x,
        lambda x, r, t=t: F.binary_cross_entropy_with_logits(x, t, reduction=r), target=t)
    return cases


def main():
    meta = {"torch": torch.__version__, "dtype": "float64"}
    with open("layers.json", "w") as f:
        json.dump({"meta": meta, "cases": layers()}, f)
    with open("losses.json", "w") as f:
        json.dump({"meta": meta, "cases": losses()}, f)


if __name__ == "__main__":
    main()
