"""Reference trajectories for package optim, computed with PyTorch 1.13.

Run with a Python that has torch 1.13 and scipy:

    python3 gen_fixtures.py

It writes, next to this script:
  optimizers.json  100-step trajectories of every torch.optim optimizer (except
                   SparseAdam, which needs sparse gradients) with default and
                   non-default options on three problems: an ill-conditioned
                   quadratic, Rosenbrock's function and a small MLP with a
                   BatchNorm1d layer on fixed data. A step of L-BFGS is one
                   call of step(closure), that is up to max_iter iterations;
                   once converged, a step evaluates the closure once and
                   returns. Each run records "sensitive_from", the first step
                   at which torch's own trajectory moves by more than 1e-11
                   when one start value changes by a relative 2e-16 (null if
                   it never does).
  schedulers.json  learning-rate sequences of torch.optim.lr_scheduler for
                   100 steps.
  lbfgs_scipy.json scipy's fmin_l_bfgs_b minimum of Rosenbrock's function.
  clip.json        torch.nn.utils.clip_grad_norm_ and clip_grad_value_.
  kernels.json     torch.dot and Tensor.sum of float64 vectors, and powers
                   x ** y with their exactly rounded values.

Gradients of the quadratic and of Rosenbrock's function are set from plain
float arithmetic in a fixed order, which the Go tests repeat exactly; the
MLP's gradients come from autograd. When a configuration maximizes, the
gradient of -f is supplied, so that every run goes downhill on f.

The bits of torch's results depend on its kernels: torch.dot on float64 calls
the BLAS the system provides (OpenBLAS on Debian), sums and elementwise kernels
are ATen's for CPUs with AVX2.
"""

import decimal
import json
import math
import os

import numpy as np
import scipy.optimize
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 100


def quadratic_problem():
    n = 6
    rng = np.random.RandomState(0)
    q, _ = np.linalg.qr(rng.randn(n, n))
    eig = np.array([1.0, 2.0, 5.0, 10.0, 30.0, 100.0])
    a = q @ np.diag(eig) @ q.T
    a = (a + a.T) / 2
    b = rng.randn(n)
    w0 = rng.randn(n)
    return {"A": a.tolist(), "b": b.tolist(), "w0": w0.tolist()}


def quadratic_setup(prob):
    a = prob["A"]
    b = prob["b"]
    w = torch.tensor(prob["w0"]).clone().requires_grad_(True)

    def closure(sign):
        # Aw − b and ½ wᵀAw − bᵀw in plain float arithmetic, summing in
        # index order, so that the Go tests can reproduce every bit.
        def f():
            with torch.no_grad():
                x = w.tolist()
                ax = []
                for row in a:
                    s = 0.0
                    for aij, xj in zip(row, x):
                        s += aij * xj
                    ax.append(s)
                loss = 0.0
                for xi, axi, bi in zip(x, ax, b):
                    loss += 0.5 * xi * axi - bi * xi
                w.grad = torch.tensor([sign * (axi - bi) for axi, bi in zip(ax, b)])
                return sign * loss
        return f

    return [w], closure


def rosenbrock_setup(prob):
    w = torch.tensor(prob["w0"]).clone().requires_grad_(True)

    def closure(sign):
        def f():
            with torch.no_grad():
                x, y = w[0].item(), w[1].item()
                a, b = 1 - x, y - x * x
                loss = a * a + 100 * (b * b)
                gx = -2 * a - 400 * x * b
                gy = 200 * b
                w.grad = sign * torch.tensor([gx, gy])
                return sign * loss
        return f

    return [w], closure


def mlp_problem():
    g = torch.Generator().manual_seed(7)
    x = torch.randn(8, 3, generator=g)
    y = torch.randn(8, 1, generator=g)
    w1 = torch.randn(4, 3, generator=g) * 0.5
    gamma = 1 + 0.1 * torch.randn(4, generator=g)
    beta = 0.1 * torch.randn(4, generator=g)
    w2 = torch.randn(1, 4, generator=g) * 0.5
    b2 = torch.randn(1, generator=g) * 0.1
    return {
        "X": x.tolist(), "Y": y.tolist(),
        "params": [t.flatten().tolist() for t in (w1, gamma, beta, w2, b2)],
        "shapes": [list(t.shape) for t in (w1, gamma, beta, w2, b2)],
    }


def mlp_setup(prob):
    lin1 = torch.nn.Linear(3, 4, bias=False)
    bn = torch.nn.BatchNorm1d(4)
    lin2 = torch.nn.Linear(4, 1)
    model = torch.nn.Sequential(lin1, bn, torch.nn.ReLU(), lin2)
    model.train()
    params = [lin1.weight, bn.weight, bn.bias, lin2.weight, lin2.bias]
    with torch.no_grad():
        for p, v, s in zip(params, prob["params"], prob["shapes"]):
            p.copy_(torch.tensor(v).reshape(s))
    x = torch.tensor(prob["X"])
    y = torch.tensor(prob["Y"])

    def closure(sign):
        def f():
            for p in params:
                p.grad = None
            loss = torch.nn.functional.mse_loss(model(x), y)
            (sign * loss).backward()
            return float(sign * loss)
        return f

    return params, closure


# Each configuration: torch class name, options, and a tag. Learning rates
# are per problem (quadratic, rosenbrock, mlp) where the option "lr" is absent.
CONFIGS = [
    ("SGD", {}, "plain"),
    ("SGD", {"momentum": 0.9}, "momentum"),
    ("SGD", {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}, "dampening_wd"),
    ("SGD", {"momentum": 0.9, "nesterov": True}, "nesterov"),
    ("SGD", {"momentum": 0.5, "maximize": True}, "maximize"),
    ("Adam", {}, "default"),
    ("Adam", {"amsgrad": True}, "amsgrad"),
    ("Adam", {"weight_decay": 0.1, "betas": (0.8, 0.9), "eps": 1e-6}, "wd_betas"),
    ("Adam", {"maximize": True, "amsgrad": True}, "maximize"),
    ("AdamW", {}, "default"),
    ("AdamW", {"amsgrad": True, "weight_decay": 0.1}, "amsgrad_wd"),
    ("AdamW", {"maximize": True}, "maximize"),
    ("AdamW", {"betas": (0.85, 0.95), "eps": 1e-6}, "betas_eps"),
    ("Adagrad", {}, "default"),
    ("Adagrad", {"lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1, "eps": 1e-8}, "decay"),
    ("Adagrad", {"maximize": True}, "maximize"),
    ("Adadelta", {}, "default"),
    ("Adadelta", {"rho": 0.8, "weight_decay": 0.01, "eps": 1e-4}, "rho_wd"),
    ("Adadelta", {"maximize": True}, "maximize"),
    ("Adamax", {}, "default"),
    ("Adamax", {"weight_decay": 0.1, "betas": (0.8, 0.95)}, "wd_betas"),
    ("Adamax", {"maximize": True}, "maximize"),
    ("Adamax", {"eps": 1e-4}, "eps"),
    ("NAdam", {}, "default"),
    ("NAdam", {"weight_decay": 0.1, "momentum_decay": 0.01}, "wd_momentum_decay"),
    ("NAdam", {"betas": (0.85, 0.95), "eps": 1e-6}, "betas_eps"),
    ("RAdam", {}, "default"),
    ("RAdam", {"weight_decay": 0.1, "betas": (0.8, 0.99)}, "wd_betas"),
    ("RAdam", {"eps": 1e-4}, "eps"),
    ("ASGD", {}, "default"),
    ("ASGD", {"lambd": 0.01, "alpha": 0.5, "t0": 10.0, "weight_decay": 0.01}, "t0"),
    ("ASGD", {"maximize": True, "t0": 20.0}, "maximize"),
    ("RMSprop", {}, "default"),
    ("RMSprop", {"centered": True}, "centered"),
    ("RMSprop", {"momentum": 0.9}, "momentum"),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.01, "alpha": 0.9}, "centered_momentum_wd"),
    ("RMSprop", {"maximize": True}, "maximize"),
    ("RMSprop", {"eps": 1e-4}, "eps"),
    ("Rprop", {}, "default"),
    ("Rprop", {"etas": (0.3, 1.5), "step_sizes": (1e-4, 0.5)}, "etas"),
    ("Rprop", {"maximize": True}, "maximize"),
    ("LBFGS", {}, "default"),
    ("LBFGS", {"line_search_fn": "strong_wolfe"}, "strong_wolfe"),
    ("LBFGS", {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 5, "lr": 0.5, "tolerance_grad": 1e-2},
     "short_history"),
    ("LBFGS", {"max_iter": 2, "lr": 0.2}, "two_iterations"),
    ("LBFGS", {"line_search_fn": "strong_wolfe", "max_iter": 2, "history_size": 5}, "strong_wolfe_two_iterations"),
    ("LBFGS", {"max_iter": 10, "max_eval": 6, "tolerance_change": 1e-6}, "max_eval_tolerance_change"),
    ("LBFGS", {"line_search_fn": "strong_wolfe", "max_iter": 8, "max_eval": 10, "tolerance_change": 1e-5, "lr": 0.25},
     "strong_wolfe_max_eval_tolerance_change"),
]

LR = {
    "quadratic": {"SGD": 0.01, "Adam": 0.05, "AdamW": 0.05, "Adagrad": 0.5, "Adadelta": 1.0,
                  "Adamax": 0.05, "NAdam": 0.05, "RAdam": 0.005, "ASGD": 0.01, "RMSprop": 0.01,
                  "Rprop": 0.01, "LBFGS": 1.0},
    "rosenbrock": {"SGD": 1e-4, "Adam": 0.02, "AdamW": 0.02, "Adagrad": 0.1, "Adadelta": 1.0,
                   "Adamax": 0.02, "NAdam": 0.02, "RAdam": 1e-4, "ASGD": 1e-4, "RMSprop": 1e-3,
                   "Rprop": 1e-3, "LBFGS": 1.0},
    "mlp": {"SGD": 0.05, "Adam": 0.01, "AdamW": 0.01, "Adagrad": 0.05, "Adadelta": 1.0,
            "Adamax": 0.01, "NAdam": 0.01, "RAdam": 0.01, "ASGD": 0.05, "RMSprop": 0.005,
            "Rprop": 0.01, "LBFGS": 0.5},
}

# Learning rates of single configurations on one problem. With the strong
# Wolfe line search and γ = 0.5 (its first trial step), L-BFGS runs the MLP
# into its flat set of interpolating minima, where the end point depends on
# the last bits of the start; γ = 0.25 reaches a minimum without that.
LR_FOR = {
    ("mlp", "LBFGS", "strong_wolfe"): 0.25,
    ("mlp", "LBFGS", "strong_wolfe_two_iterations"): 0.25,
}


def run(problem, prob, setup, name, tag, opts, perturb=0.0):
    params, closure = setup(prob)
    with torch.no_grad():
        params[0].view(-1)[0] *= 1 + perturb
    opts = dict(opts)
    opts.setdefault("lr", LR_FOR.get((problem, name, tag), LR[problem][name]))
    sign = -1.0 if opts.get("maximize") else 1.0
    opt = getattr(torch.optim, name)(params, **opts)
    f = closure(sign)
    traj, losses, evals = [], [], []
    for _ in range(STEPS):
        if name == "LBFGS":
            loss = opt.step(f)
        else:
            loss = f()
            opt.step()
        losses.append(float(loss))
        traj.append(torch.cat([p.detach().flatten() for p in params]).tolist())
        if name == "LBFGS":
            evals.append(opt.state[params[0]]["func_evals"])
    out = {"steps": STEPS, "lr": opts["lr"], "losses": losses, "trajectory": traj}
    if name == "LBFGS":
        out["func_evals"] = evals
    return out


def jsonable(opts):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in opts.items()}


def sensitive_from(a, b):
    """The first step at which trajectory b, from a start perturbed by a
    relative 2e-16, is more than 1e-11 (relative, absolute below 1) away
    from trajectory a; None when it never is."""
    for k, (x, y) in enumerate(zip(a, b)):
        if max(abs(u - v) / max(1.0, abs(u)) for u, v in zip(x, y)) > 1e-11:
            return k
    return None


def optimizer_fixtures():
    problems = {
        "quadratic": (quadratic_problem(), quadratic_setup),
        "rosenbrock": ({"w0": [-1.5, 2.0]}, rosenbrock_setup),
        "mlp": (mlp_problem(), mlp_setup),
    }
    out = {"problems": {k: v[0] for k, v in problems.items()}, "runs": []}
    for problem, (prob, setup) in problems.items():
        for name, opts, tag in CONFIGS:
            r = run(problem, prob, setup, name, tag, opts)
            # Where PyTorch itself is sensitive, a relative change of 2e-16
            # in one starting value moves a later iterate by more than
            # 1e-11. From that step on, only arithmetic that repeats
            # torch's bit for bit can follow it to the tests' tolerance.
            # The quadratic's and Rosenbrock's gradients are computed in
            # plain float arithmetic the Go tests repeat exactly, so their
            # runs are kept whole and marked; the MLP's gradients come from
            # autograd, whose summation order the tests do not repeat, so
            # an MLP run is cut at that step.
            p = run(problem, prob, setup, name, tag, opts, perturb=2e-16)
            k = sensitive_from(r["trajectory"], p["trajectory"])
            r["sensitive_from"] = k
            if k is not None:
                print("%s %s %s: torch sensitive to 2e-16 from step %d" % (problem, name, tag, k))
                if problem == "mlp":
                    r["steps"] = k
                    r["losses"], r["trajectory"] = r["losses"][:k], r["trajectory"][:k]
                    if "func_evals" in r:
                        r["func_evals"] = r["func_evals"][:k]
            if r["steps"] == 0:
                continue
            r.update({"problem": problem, "optimizer": name, "tag": tag, "options": jsonable(opts)})
            out["runs"].append(r)
    return out


def scheduler_fixtures():
    def fresh(momentum=0.0):
        p1 = torch.zeros(1, requires_grad=True)
        p2 = torch.zeros(1, requires_grad=True)
        return torch.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.05}], lr=0.1, momentum=momentum)

    S = torch.optim.lr_scheduler
    cases = []

    def record(name, opt, sched, metrics=None, momentum=False):
        lrs = [list(sched.get_last_lr()) if metrics is None else [g["lr"] for g in opt.param_groups]]
        moms = [[g["momentum"] for g in opt.param_groups]] if momentum else None
        for k in range(STEPS):
            opt.step()
            if metrics is None:
                sched.step()
                lrs.append(list(sched.get_last_lr()))
            else:
                sched.step(metrics[k])
                lrs.append([g["lr"] for g in opt.param_groups])
            if momentum:
                moms.append([g["momentum"] for g in opt.param_groups])
        c = {"name": name, "lrs": lrs}
        if moms is not None:
            c["momentums"] = moms
        if metrics is not None:
            c["metrics"] = metrics
        cases.append(c)

    o = fresh(); record("StepLR", o, S.StepLR(o, step_size=10, gamma=0.5))
    o = fresh(); record("MultiStepLR", o, S.MultiStepLR(o, milestones=[15, 40, 40, 70], gamma=0.3))
    o = fresh(); record("ExponentialLR", o, S.ExponentialLR(o, gamma=0.95))
    o = fresh(); record("CosineAnnealingLR", o, S.CosineAnnealingLR(o, T_max=30, eta_min=0.001))
    o = fresh(); record("LinearLR", o, S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=20))
    o = fresh(); record("ConstantLR", o, S.ConstantLR(o, factor=0.25, total_iters=7))
    o = fresh(); record("LambdaLR", o, S.LambdaLR(o, lr_lambda=lambda e: 1.0 / (1.0 + 0.1 * e)))
    o = fresh(); record("MultiplicativeLR", o, S.MultiplicativeLR(o, lr_lambda=lambda e: 0.97))
    o = fresh(); record("PolynomialLR", o, S.PolynomialLR(o, total_iters=60, power=2.0))
    o = fresh(0.9); record("OneCycleLR", o, S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=100), momentum=True)
    o = fresh(0.9)
    record("OneCycleLR_three_phase_linear", o,
           S.OneCycleLR(o, max_lr=0.3, total_steps=100, three_phase=True, anneal_strategy="linear",
                        pct_start=0.25, div_factor=10.0, final_div_factor=100.0), momentum=True)
    o = fresh()
    warm = S.LinearLR(o, start_factor=0.01, total_iters=10)
    cos = S.CosineAnnealingLR(o, T_max=90, eta_min=0.0)
    record("SequentialLR", o, S.SequentialLR(o, schedulers=[warm, cos], milestones=[10]))
    o = fresh()
    warm = S.ConstantLR(o, factor=0.5, total_iters=5)
    step = S.StepLR(o, step_size=20, gamma=0.1)
    expo = S.ExponentialLR(o, gamma=0.9)
    record("SequentialLR_three", o, S.SequentialLR(o, schedulers=[warm, step, expo], milestones=[5, 60]))
    o = fresh(0.9)
    record("CyclicLR_triangular2", o, S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.3, step_size_up=10, step_size_down=5,
                                                 mode="triangular2"), momentum=True)
    o = fresh(0.9)
    record("CyclicLR_exp_range", o, S.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=7, mode="exp_range", gamma=0.97,
                                               base_momentum=0.7, max_momentum=0.95), momentum=True)
    o = fresh()
    record("CosineAnnealingWarmRestarts", o, S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.01))
    o = fresh()
    c1 = S.ConstantLR(o, factor=0.5, total_iters=4)
    c2 = S.ExponentialLR(o, gamma=0.9)
    record("ChainedScheduler", o, S.ChainedScheduler([c1, c2]))
    metrics = [1.0 / (1 + k) if k < 30 else 1.0 / 31 + 0.001 * ((k * 7) % 5) for k in range(STEPS)]
    o = fresh(); record("ReduceLROnPlateau", o, S.ReduceLROnPlateau(o, patience=5, factor=0.5, cooldown=2, min_lr=[0.002, 0.001]), metrics=metrics)
    metrics2 = [float(k % 17) for k in range(STEPS)]
    o = fresh()
    record("ReduceLROnPlateau_max_abs", o,
           S.ReduceLROnPlateau(o, mode="max", threshold_mode="abs", threshold=0.5, patience=3, factor=0.7), metrics=metrics2)
    return {"cases": cases}


def scipy_fixture():
    def f(w):
        x, y = w
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def g(w):
        x, y = w
        return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])

    x, fx, info = scipy.optimize.fmin_l_bfgs_b(f, np.array([-1.5, 2.0]), fprime=g, m=10, factr=10.0, pgtol=1e-12, maxiter=1000)
    # torch.optim.LBFGS from the same start, run to the same precision.
    w = torch.tensor([-1.5, 2.0], requires_grad=True)

    def closure():
        with torch.no_grad():
            w.grad = torch.tensor(g(w.detach().numpy()))
            return f(w.detach().numpy())

    opt = torch.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=1000, max_eval=2000,
                            tolerance_grad=1e-12, tolerance_change=1e-15, history_size=10)
    opt.step(closure)
    st = opt.state[w]
    return {"x0": [-1.5, 2.0], "x": x.tolist(), "f": float(fx), "funcalls": int(info["funcalls"]),
            "nit": int(info["nit"]), "m": 10, "factr": 10.0, "pgtol": 1e-12,
            "torch_x": w.detach().tolist(), "torch_func_evals": st["func_evals"], "torch_n_iter": st["n_iter"]}


def clip_fixtures():
    g = torch.Generator().manual_seed(3)
    grads = [torch.randn(3, 2, generator=g) * 2, torch.randn(4, generator=g), torch.randn(1, generator=g) * 5]
    cases = []
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (2.0, float("inf")), (1.5, 3.0)]:
        ps = [torch.zeros_like(t, requires_grad=True) for t in grads]
        for p, t in zip(ps, grads):
            p.grad = t.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        cases.append({"kind": "norm", "max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                      "total": float(total), "grads": [p.grad.flatten().tolist() for p in ps]})
    for clip in [0.3, 1.0]:
        ps = [torch.zeros_like(t, requires_grad=True) for t in grads]
        for p, t in zip(ps, grads):
            p.grad = t.clone()
        torch.nn.utils.clip_grad_value_(ps, clip)
        cases.append({"kind": "value", "clip": clip, "grads": [p.grad.flatten().tolist() for p in ps]})
    return {"grads": [t.flatten().tolist() for t in grads], "shapes": [list(t.shape) for t in grads], "cases": cases}


def kernel_fixtures():
    """torch.dot and Tensor.sum on float64 vectors of many lengths, and
    powers as the optimizers take them: Python's x ** y next to the exactly
    rounded value (from 60-digit decimal arithmetic)."""
    rng = np.random.RandomState(11)
    vectors = []
    for n in [1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 25, 31, 32, 33, 63, 64, 65, 100, 255, 256, 257, 1000, 1030, 4100, 5000]:
        x = rng.randn(n) * np.exp(rng.uniform(-5, 5, n))
        y = rng.randn(n)
        tx, ty = torch.tensor(x), torch.tensor(y)
        vectors.append({"x": x.tolist(), "y": y.tolist(), "dot": float(tx.dot(ty)), "sum": float(tx.sum()),
                        "abs_sum": float(tx.abs().sum())})
    decimal.getcontext().prec = 60
    powers = []

    def power(x, y):
        exact = float(decimal.Decimal(x) ** decimal.Decimal(y))
        powers.append([x, y, exact, x ** y])

    for b in [0.9, 0.99, 0.999, 0.95, 0.8]:
        for t in list(range(1, 201)) + [1000, 4321, 10 ** 5]:
            power(b, float(t))
    for t in range(1, 201):
        power(0.96, t * 0.004)
        power(0.96, t * 0.01)
        power(1 + 1e-4 * 0.01 * t, 0.75)
        power(1 + 0.01 * 0.05 * t, 0.5)
    return {"vectors": vectors, "powers": powers}


def dump(name, obj):
    with open(os.path.join(HERE, name), "w") as fh:
        json.dump(obj, fh, indent=None, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    dump("optimizers.json", optimizer_fixtures())
    dump("schedulers.json", scheduler_fixtures())
    dump("lbfgs_scipy.json", scipy_fixture())
    dump("clip.json", clip_fixtures())
    dump("kernels.json", kernel_fixtures())
