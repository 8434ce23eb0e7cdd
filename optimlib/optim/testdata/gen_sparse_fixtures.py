"""Reference trajectories with sparse gradients, computed with PyTorch 1.13.

Run with a Python that has torch 1.13:

    python3 gen_sparse_fixtures.py

It writes sparse.json next to this script: 100-step trajectories of
torch.optim.SparseAdam (default and non-default options, two parameter
groups, maximize), and of SGD (plain, Nesterov momentum) and Adagrad fed
sparse gradients, on a bag-of-words classifier:

    h = mean over each bag of Embedding(40, 6, sparse=True)(words)
        [+ mean over each bag of Embedding(15, 6, sparse=True)(tags)]
    loss = cross_entropy(Linear(6, 3)(h), labels)

The embeddings are optimized by the sparse-gradient optimizer under test and
the dense Linear layer by its own optimizer (Adam or SGD), as users do.
Batches cycle through fixed index batches in which words repeat, words 30 to
39 never occur and word 0 is frequent (it is the padding word of the runs
with padding_idx=0). A run that maximizes optimizes -loss with
maximize=True, so that it goes downhill on the loss.

Each step: zero the gradients, evaluate the loss on the next batch,
backward, step the embedding optimizer, step the dense optimizer; the file
records the loss before the step and every parameter after it.
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 100
NUM, NUM2, DIM, CLASSES = 40, 15, 6, 3
BAGS, BAG_LEN, BAG_LEN2, NBATCH = 8, 5, 3, 10


def make_batches():
    rng = np.random.RandomState(7)
    # A skewed vocabulary over words 0..29 so that bags repeat words.
    p = 1.0 / np.arange(1, 31)
    p /= p.sum()
    batches = []
    for _ in range(NBATCH):
        words = rng.choice(30, size=(BAGS, BAG_LEN), p=p)
        # Pad some bags at the end with word 0.
        for b in range(BAGS):
            n = rng.randint(2, BAG_LEN + 1)
            words[b, n:] = 0
        tags = rng.randint(0, 12, size=(BAGS, BAG_LEN2))
        labels = rng.randint(0, CLASSES, size=BAGS)
        batches.append({"words": words.tolist(), "tags": tags.tolist(), "labels": labels.tolist()})
    return batches


RUNS = [
    {
        "name": "sparse_adam_default",
        "padding_idx": None,
        "two_tables": False,
        "sign": 1,
        "sparse_opt": {"kind": "sparse_adam", "groups": [{"params": ["emb"], "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "maximize": False}]},
        "dense_opt": {"kind": "adam", "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "maximize": False},
    },
    {
        "name": "sparse_adam_custom_padding",
        "padding_idx": 0,
        "two_tables": False,
        "sign": 1,
        "sparse_opt": {"kind": "sparse_adam", "groups": [{"params": ["emb"], "lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "maximize": False}]},
        "dense_opt": {"kind": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "maximize": False},
    },
    {
        "name": "sparse_adam_two_groups_maximize",
        "padding_idx": None,
        "two_tables": True,
        "sign": -1,
        "sparse_opt": {"kind": "sparse_adam", "groups": [
            {"params": ["emb"], "lr": 0.02, "betas": [0.9, 0.99], "eps": 1e-8, "maximize": True},
            {"params": ["emb2"], "lr": 0.005, "betas": [0.5, 0.9], "eps": 1e-7, "maximize": True},
        ]},
        "dense_opt": {"kind": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "maximize": True},
    },
    {
        "name": "sgd_sparse",
        "padding_idx": None,
        "two_tables": False,
        "sign": 1,
        "sparse_opt": {"kind": "sgd", "groups": [{"params": ["emb"], "lr": 0.5, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "maximize": False}]},
        "dense_opt": {"kind": "sgd", "lr": 0.5, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "maximize": False},
    },
    {
        "name": "sgd_sparse_nesterov_padding",
        "padding_idx": 0,
        "two_tables": False,
        "sign": 1,
        "sparse_opt": {"kind": "sgd", "groups": [{"params": ["emb"], "lr": 0.1, "momentum": 0.9, "dampening": 0.0, "nesterov": True, "maximize": False}]},
        "dense_opt": {"kind": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": False, "maximize": False},
    },
    {
        "name": "adagrad_sparse_padding",
        "padding_idx": 0,
        "two_tables": True,
        "sign": 1,
        "sparse_opt": {"kind": "adagrad", "groups": [
            {"params": ["emb"], "lr": 0.3, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "eps": 1e-10, "maximize": False},
            {"params": ["emb2"], "lr": 0.1, "lr_decay": 0.0, "initial_accumulator_value": 0.1, "eps": 1e-10, "maximize": False},
        ]},
        "dense_opt": {"kind": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "maximize": False},
    },
]


def build_optimizer(spec, tensors):
    kind = spec["kind"]
    if "groups" in spec:
        groups = []
        for g in spec["groups"]:
            g = dict(g)
            g["params"] = [tensors[name] for name in g["params"]]
            if "betas" in g:
                g["betas"] = tuple(g["betas"])
            groups.append(g)
        args = groups
        kw = {}
    else:
        args = [tensors["lin_w"], tensors["lin_b"]]
        kw = {k: v for k, v in spec.items() if k != "kind"}
        if "betas" in kw:
            kw["betas"] = tuple(kw["betas"])
    if kind == "sparse_adam":
        return torch.optim.SparseAdam(args, **kw)
    if kind == "adam":
        return torch.optim.Adam(args, **kw)
    if kind == "sgd":
        # lr is required by SGD's constructor even when every group sets it.
        kw.setdefault("lr", spec["groups"][0]["lr"] if "groups" in spec else None)
        return torch.optim.SGD(args, **kw)
    if kind == "adagrad":
        # Adagrad fills its accumulators from the constructor's
        # initial_accumulator_value, whatever a group says.
        if "groups" in spec:
            values = {g["initial_accumulator_value"] for g in spec["groups"]}
            assert len(values) == 1, "groups must share initial_accumulator_value"
            kw["initial_accumulator_value"] = values.pop()
        return torch.optim.Adagrad(args, **kw)
    raise ValueError(kind)


def flat(t):
    return t.detach().reshape(-1).tolist()


def run(spec, batches, seed):
    torch.manual_seed(seed)
    emb = torch.nn.Embedding(NUM, DIM, padding_idx=spec["padding_idx"], sparse=True)
    emb2 = torch.nn.Embedding(NUM2, DIM, sparse=True)
    lin = torch.nn.Linear(DIM, CLASSES)
    tensors = {"emb": emb.weight, "emb2": emb2.weight, "lin_w": lin.weight, "lin_b": lin.bias}
    names = ["emb", "lin_w", "lin_b"] + (["emb2"] if spec["two_tables"] else [])
    init = {n: flat(tensors[n]) for n in names}
    sparse_opt = build_optimizer(spec["sparse_opt"], tensors)
    dense_opt = build_optimizer(spec["dense_opt"], tensors)
    steps = []
    for k in range(STEPS):
        b = batches[k % len(batches)]
        sparse_opt.zero_grad()
        dense_opt.zero_grad()
        h = emb(torch.tensor(b["words"])).mean(1)
        if spec["two_tables"]:
            h = h + emb2(torch.tensor(b["tags"])).mean(1)
        loss = spec["sign"] * F.cross_entropy(lin(h), torch.tensor(b["labels"]))
        loss.backward()
        assert emb.weight.grad.is_sparse
        sparse_opt.step()
        dense_opt.step()
        step = {"loss": loss.item()}
        step.update({n: flat(tensors[n]) for n in names})
        steps.append(step)
    out = dict(spec)
    out["init"] = init
    out["steps"] = steps
    return out


def main():
    batches = make_batches()
    runs = [run(spec, batches, seed=i + 1) for i, spec in enumerate(RUNS)]
    fixture = {
        "num": NUM, "num2": NUM2, "dim": DIM, "classes": CLASSES,
        "batches": batches,
        "runs": runs,
    }
    with open(os.path.join(HERE, "sparse.json"), "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
