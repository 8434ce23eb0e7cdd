"""Times the training step of BenchmarkMLPStep in PyTorch.

A 784-256-10 ReLU MLP, batch 128: forward, cross-entropy, backward and a
plain SGD update, in float64 (as optimlib) and float32, with 1 and 2 threads.
Prints samples per second. Run with Debian's python3-torch:

    python3 bench_mlp.py
"""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def bench(dtype, threads, seconds=2.0):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)).to(dtype)
    x = torch.rand(128, 784, dtype=dtype)
    y = torch.randint(0, 10, (128,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(10):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return 128 * n / (time.perf_counter() - start)


def main():
    print(f"torch {torch.__version__}")
    for dtype in (torch.float64, torch.float32):
        for threads in (1, 2):
            name = str(dtype).replace("torch.", "")
            print(f"{name} threads={threads}: {bench(dtype, threads):.0f} samples/s")


if __name__ == "__main__":
    main()
