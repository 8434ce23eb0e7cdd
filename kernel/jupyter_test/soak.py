"""Soak: 2,000 executes in a row through jupyter_client; prints the resident
memory of the kernel process (and of its worker) before and after.

Run through `./run soak`, which installs the kernelspec first.
"""

import os
import sys
import time

from jupyter_client.manager import start_new_kernel

KERNEL = os.environ.get("DESCENT_KERNEL_NAME", "descent")
N = int(os.environ.get("DESCENT_SOAK_N", "2000"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid):
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


def run(kc, code):
    msg_id = kc.execute(code)
    while True:
        r = kc.get_shell_msg(timeout=30)
        if r["parent_header"].get("msg_id") == msg_id:
            break
    while True:
        m = kc.get_iopub_msg(timeout=30)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return r["content"]["status"]


def main():
    km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60)
    try:
        pid = km.provisioner.pid
        cells = ["x := {i}", 'fmt.Println("line", {i})', "{i} * 2", "s := make([]float64, 1000)\nlen(s) + {i}"]
        for i in range(50):
            run(kc, cells[i % len(cells)].format(i=i))
        worker = children(pid)
        k0 = rss_kib(pid)
        w0 = rss_kib(worker[0]) if worker else 0
        t0 = time.time()
        failed = 0
        mid = None
        for i in range(N):
            if run(kc, cells[i % len(cells)].format(i=i)) != "ok":
                failed += 1
            if i + 1 == N // 2:
                mid = rss_kib(pid)
        dt = time.time() - t0
        worker2 = children(pid)
        k1 = rss_kib(pid)
        w1 = rss_kib(worker2[0]) if worker2 else 0
        print(f"soak: {N} executes in {dt:.1f} s ({1000 * dt / N:.2f} ms each), {failed} failed")
        print(f"kernel process RSS: before {k0 / 1024:.1f} MiB, after {N // 2} {mid / 1024:.1f} MiB, after {N} {k1 / 1024:.1f} MiB ({(k1 - k0) / 1024:+.1f} MiB)")
        print(f"worker process RSS: before {w0 / 1024:.1f} MiB, after {w1 / 1024:.1f} MiB (same worker: {worker == worker2})")
        return 1 if failed else 0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    sys.exit(main())
