"""PyTorch's side of the curvature benchmarks (see bench_test.go).

Builds the same 784-256-10 ReLU network (parameters from the same formula)
on the same first Fashion-MNIST training images, times a Hessian-vector
product by double backward, from scratch and through a retained graph, and
runs power iteration. Prints one JSON object.

    python3 bench_torch.py --data DIR --samples 1000 [--threads N]
"""

import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def read_idx(path, count):
    with gzip.open(path, "rb") as f:
        magic = int.from_bytes(f.read(4), "big")
        dims = [int.from_bytes(f.read(4), "big") for _ in range(magic & 0xFF)]
        item = 1
        for d in dims[1:]:
            item *= d
        return np.frombuffer(f.read(count * item), dtype=np.uint8).reshape([count] + dims[1:])


def linear_params(layer, fan_in, fan_out):
    k = torch.arange(fan_in * fan_out, dtype=torch.float64)
    w = (torch.sin(0.7 * k + layer) / math.sqrt(fan_in)).reshape(fan_out, fan_in)
    kb = torch.arange(fan_out, dtype=torch.float64)
    b = 0.01 * torch.cos(1.3 * kb + layer)
    return [w.requires_grad_(), b.requires_grad_()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    x = torch.tensor(read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"), args.samples), dtype=torch.float64)
    x = x.reshape(args.samples, 784) / 255
    y = torch.tensor(read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"), args.samples), dtype=torch.int64)
    params = linear_params(0, 784, 256) + linear_params(1, 256, 10)
    n = sum(p.numel() for p in params)

    def loss_fn():
        h = torch.relu(x @ params[0].T + params[1])
        return F.cross_entropy(h @ params[2].T + params[3], y)

    v = torch.sin(torch.arange(n, dtype=torch.float64) + 0.5)
    v = v / v.norm()
    vs, off = [], 0
    for p in params:
        vs.append(v[off:off + p.numel()].reshape(p.shape))
        off += p.numel()

    def fresh_hvp():
        g = torch.autograd.grad(loss_fn(), params, create_graph=True)
        return torch.autograd.grad(g, params, grad_outputs=vs)

    fresh = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        hv = fresh_hvp()
        fresh.append(time.perf_counter() - t0)
    g = torch.autograd.grad(loss_fn(), params, create_graph=True)
    kept = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        torch.autograd.grad(g, params, grad_outputs=vs, retain_graph=True)
        kept.append(time.perf_counter() - t0)
    hv_norm = torch.cat([t.reshape(-1) for t in hv]).norm().item()

    # Power iteration to a relative residual of 1e-3, as BenchmarkLambdaMax.
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(n, generator=gen)
    q = q / q.norm()
    lam, iters = float("nan"), 0
    for iters in range(1, 101):
        qs, off = [], 0
        for p in params:
            qs.append(q[off:off + p.numel()].reshape(p.shape))
            off += p.numel()
        hq = torch.cat([t.reshape(-1) for t in torch.autograd.grad(g, params, grad_outputs=qs, retain_graph=True)])
        lam = torch.dot(q, hq).item()
        nrm = hq.norm().item()
        if math.sqrt(max(nrm * nrm - lam * lam, 0)) <= 1e-3 * abs(lam):
            break
        q = hq / nrm

    print(json.dumps({
        "params": n,
        "threads": torch.get_num_threads(),
        "fresh_hvp_ms": 1000 * min(fresh),
        "kept_hvp_ms": 1000 * min(kept),
        "hvp_norm": hv_norm,
        "lambda_max": lam,
        "power_iterations": iters,
    }))


if __name__ == "__main__":
    main()
