"""The Python side of the benchmark suite: PyTorch 1.13, scipy and numpy.

Each call runs one measurement and prints its result as one line of JSON,
like the Go worker, so that bench/run can interleave the two. Run with
Debian's /usr/bin/python3. Every task times only its measured loop.

    torch_bench.py gendata DIR        shared inputs (initial weights, data)
    torch_bench.py TASK [options]     mlp, cnn, steps, lbfgs, scipy, hvp,
                                      matmul, threads, info
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

FASHION = "/usr/share/datasets/fashion-mnist"


def emit(res):
    print(json.dumps(res))


def load_fashion(directory, n=0):
    """Returns the training images as uint8 [N, 784] and the labels [N]."""
    with gzip.open(os.path.join(directory, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(directory, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    if n > 0:
        x, y = x[:n], y[:n]
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def mlp(init=""):
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    if init:
        w = np.fromfile(init, dtype="<f8")
        params = list(model.parameters())
        off = 0
        with torch.no_grad():
            for p in params:
                p.copy_(torch.from_numpy(w[off:off + p.numel()]).view_as(p))
                off += p.numel()
    return model


def batches(n, batch, seed=1):
    g = torch.Generator()
    g.manual_seed(seed)
    perm = torch.randperm(n, generator=g)
    return [perm[i:i + batch] for i in range(0, n, batch)]


def train_epoch(model, x8, y, batch, images=False):
    """One epoch as torch.utils.data would give it: shuffled, converted to
    float64 in [0, 1] batch by batch."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = batches(len(y), batch)
    start = time.perf_counter()
    total, n = 0.0, 0
    for idx in order:
        xb = x8[idx].to(torch.float64).div_(255)
        if images:
            xb = xb.view(-1, 1, 28, 28)
        loss = loss_fn(model(xb), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
        n += len(idx)
    sec = time.perf_counter() - start
    return {"seconds": sec, "samples": n, "steps": len(order), "loss": total / len(order),
            "samples_per_s": n / sec}


def task_gendata(a):
    os.makedirs(a.dir, exist_ok=True)
    rng = np.random.default_rng(1)
    # The MLP's initial weights, drawn as torch.nn.Linear draws them.
    parts = []
    for fan_in, fan_out in ((784, 256), (256, 10)):
        bound = 1 / np.sqrt(fan_in)
        parts.append(rng.uniform(-bound, bound, size=fan_out * fan_in))
        parts.append(rng.uniform(-bound, bound, size=fan_out))
    np.concatenate(parts).astype("<f8").tofile(os.path.join(a.dir, "mlp_init.f64"))
    # Logistic regression: correlated features whose scales span two
    # decades (an ill-conditioned Hessian, so that L-BFGS needs about a
    # hundred iterations), labels from a noisy linear model.
    n, d = a.n, a.d
    scales = np.logspace(-2, 0, d)
    x = rng.standard_normal((n, d))
    x[:, 1:] += 0.5 * x[:, :-1]
    x *= scales
    wstar = rng.standard_normal(d) / scales / np.sqrt(d)
    y = (x @ wstar + 0.3 * rng.standard_normal(n) > 0).astype(np.float64)
    np.concatenate([x.ravel(), y]).astype("<f8").tofile(os.path.join(a.dir, "logreg.f64"))
    emit({"dir": a.dir})


def task_info(a):
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            name = line.split()[-1]
            if "blas" in name or "lapack" in name:
                libs.add(os.path.basename(os.path.realpath(name)))
    emit({"torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
          "numpy_blas": ", ".join(sorted(libs)), "torch_threads_default": torch.get_num_threads(),
          "torch_blas_threads_default": blas_threads(),
          "torch_config": torch.__config__.parallel_info().splitlines()[:3]})


def openblas():
    """Returns the OpenBLAS that torch's BLAS calls reach (Debian's torch
    uses libblas.so.3, an alternative that is OpenBLAS here), or None."""
    import ctypes
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "openblas" in line.split()[-1]})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_num_threads.restype = ctypes.c_int
            lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            continue
    return None


def blas_threads():
    """The thread count of torch's OpenBLAS, 0 when it is not OpenBLAS."""
    lib = openblas()
    return lib.openblas_get_num_threads() if lib else 0


def set_threads(aten, blas):
    """Sets ATen's intra-op threads and, when blas > 0, OpenBLAS's threads
    (torch.set_num_threads does not reach the BLAS behind its products)."""
    torch.set_num_threads(aten)
    if blas > 0:
        torch.mm(torch.ones(2, 2), torch.ones(2, 2))  # loads the BLAS
        lib = openblas()
        if lib is None:
            raise SystemExit("--blas-threads: torch's BLAS is not OpenBLAS")
        lib.openblas_set_num_threads(blas)


def task_threads(a):
    """Measures MLP steps with every pair of ATen and OpenBLAS thread counts
    and reports the fastest pair."""
    x8, y = load_fashion(a.data, 128 * a.steps)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    blas = range(1, os.cpu_count() + 1) if openblas() else [0]
    best, rates = None, {}
    for t in range(1, os.cpu_count() + 1):
        for b in blas:
            set_threads(t, b)
            model = mlp(a.init)
            train_epoch(model, x8[:128 * 2], y[:128 * 2], 128)
            r = train_epoch(model, x8, y, 128)["samples_per_s"]
            rates["%d,%d" % (t, b)] = r
            if best is None or r > rates["%d,%d" % best]:
                best = (t, b)
    emit({"threads": best[0], "blas_threads": best[1], "rates": rates})


def task_mlp(a):
    x8, y = load_fashion(a.data, a.samples)
    emit(train_epoch(mlp(a.init), x8, y, a.batch))


def task_cnn(a):
    x8, y = load_fashion(a.data, a.samples)
    torch.manual_seed(1)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(8, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    emit(train_epoch(model, x8, y, a.batch, images=True))


def task_steps(a):
    amat = torch.tensor([[3.0, 1.0], [1.0, 2.0]])
    bvec = torch.tensor([1.0, 1.0])

    def quadratic(w):
        return 0.5 * (w @ (amat @ w)) - bvec @ w

    def rosenbrock(w):
        x, y = w[0], w[1]
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2

    f = rosenbrock if a.problem == "rosen" else quadratic
    w = torch.tensor([-1.5, 2.0], requires_grad=True)
    if a.method == "adam":
        opt = torch.optim.Adam([w], lr=a.lr)
    else:
        opt = torch.optim.SGD([w], lr=a.lr)
    start = time.perf_counter()
    for _ in range(a.steps):
        opt.zero_grad()
        loss = f(w)
        loss.backward()
        opt.step()
    sec = time.perf_counter() - start
    emit({"seconds": sec, "loss": loss.item(), "us_per_step": sec / a.steps * 1e6})


def logreg(a):
    v = np.fromfile(a.file, dtype="<f8")
    n, d = a.n, a.d
    return v[:n * d].reshape(n, d), v[n * d:]


def task_lbfgs(a):
    x, y = logreg(a)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    n, lam = len(y), a.lam
    w = torch.zeros(a.d, requires_grad=True)
    opt = torch.optim.LBFGS([w], lr=1, max_iter=10000, max_eval=20000, tolerance_grad=a.tol,
                            tolerance_change=1e-300, history_size=10, line_search_fn="strong_wolfe")

    def f():
        opt.zero_grad()
        z = x @ w
        loss = (torch.nn.functional.softplus(z) - y * z).sum() / n + 0.5 * lam * (w @ w)
        loss.backward()
        return loss

    start = time.perf_counter()
    opt.step(f)
    sec = time.perf_counter() - start
    loss = f()
    st = opt.state[opt._params[0]]
    emit({"seconds": sec, "iterations": st["n_iter"], "evals": st["func_evals"], "loss": loss.item(),
          "gmax": w.grad.abs().max().item()})


def task_scipy(a):
    from scipy.optimize import fmin_l_bfgs_b
    x, y = logreg(a)
    n, lam = len(y), a.lam

    def fg(w):
        z = x @ w
        p = 0.5 * (1 + np.tanh(0.5 * z))
        loss = (np.logaddexp(0, z) - y * z).sum() / n + 0.5 * lam * (w @ w)
        return loss, x.T @ (p - y) / n + lam * w

    start = time.perf_counter()
    w, loss, info = fmin_l_bfgs_b(fg, np.zeros(a.d), m=10, factr=10, pgtol=a.tol, maxiter=10000,
                                  maxfun=20000)
    sec = time.perf_counter() - start
    emit({"seconds": sec, "iterations": info["nit"], "evals": info["funcalls"], "loss": float(loss),
          "gmax": float(np.abs(info["grad"]).max())})


def task_hvp(a):
    x8, y = load_fashion(a.data, a.batch)
    x = x8.to(torch.float64) / 255
    model = mlp(a.init)
    params = list(model.parameters())
    loss = torch.nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    n = sum(p.numel() for p in params)

    def hvp(v):
        vs, off = [], 0
        for p in params:
            vs.append(v[off:off + p.numel()].view_as(p))
            off += p.numel()
        hv = torch.autograd.grad(grads, params, grad_outputs=vs, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv])

    g = torch.Generator()
    g.manual_seed(2)
    v = torch.randn(n, generator=g)
    hvp(v)
    start = time.perf_counter()
    for _ in range(a.reps):
        hvp(v)
    hvp_ms = (time.perf_counter() - start) / a.reps * 1e3
    start = time.perf_counter()
    v = torch.randn(n, generator=g)
    v /= v.norm()
    lam = 0.0
    for _ in range(a.iters):
        hv = hvp(v)
        lam = (v @ hv).item()
        v = hv / hv.norm()
    emit({"hvp_ms": hvp_ms, "lmax_seconds": time.perf_counter() - start, "lambda_max": lam,
          "products": a.iters, "params": n})


def task_matmul(a):
    rng = np.random.default_rng(1)
    x, y = rng.random((a.n, a.n)), rng.random((a.n, a.n))
    if a.lib == "torch":
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        mm = torch.mm
    else:
        mm = np.dot
    for _ in range(8):  # warm-up, as the Go worker does
        mm(x, y)
    start = time.perf_counter()
    for _ in range(a.reps):
        mm(x, y)
    sec = (time.perf_counter() - start) / a.reps
    emit({"seconds": sec, "gflops": 2 * a.n ** 3 / sec / 1e9})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("task")
    p.add_argument("dir", nargs="?", default="")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--blas-threads", type=int, default=0)
    p.add_argument("--data", default=FASHION)
    p.add_argument("--init", default="")
    p.add_argument("--samples", type=int, default=0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--problem", default="quad")
    p.add_argument("--method", default="gd")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--file", default="")
    p.add_argument("--n", type=int, default=4000)
    p.add_argument("--d", type=int, default=1000)
    p.add_argument("--lam", type=float, default=1e-3)
    p.add_argument("--tol", type=float, default=1e-6)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--lib", default="numpy")
    a = p.parse_args()
    if a.threads > 0:
        set_threads(a.threads, a.blas_threads)
    globals()["task_" + a.task](a)


if __name__ == "__main__":
    main()
