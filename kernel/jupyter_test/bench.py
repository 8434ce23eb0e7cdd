"""Benchmark: median round trip of `1+1` through jupyter_client, and the time
from starting a kernel to its first kernel_info_reply, for the Descent
kernel next to Debian's IPython kernel, measured the same way in one run.

A second round-trip column uses plain pyzmq sockets with jupyter_client's
Session for signing, without the client's asyncio machinery, so that it
shows the kernels' own latency more closely.

Run through `./run bench`. Numbers are reported, not asserted.
"""

import os
import statistics
import sys
import time

import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

KERNELS = [os.environ.get("DESCENT_KERNEL_NAME", "descent"), "python3"]
STARTS = int(os.environ.get("DESCENT_BENCH_STARTS", "5"))
TRIPS = int(os.environ.get("DESCENT_BENCH_TRIPS", "200"))


def start(name):
    """Starts a kernel; returns (manager, client, seconds to first kernel_info_reply)."""
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    msg_id = kc.kernel_info()
    while True:
        r = kc.get_shell_msg(timeout=60)
        if r["parent_header"].get("msg_id") == msg_id:
            break
    return km, kc, time.perf_counter() - t0


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def round_trip(kc, code="1+1"):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    replied = idle = False
    while not replied:
        r = kc.get_shell_msg(timeout=30)
        replied = r["parent_header"].get("msg_id") == msg_id
    while not idle:
        m = kc.get_iopub_msg(timeout=30)
        idle = (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle")
    return time.perf_counter() - t0


def raw_round_trips(km, n):
    """Round trips of 1+1 on raw zmq sockets: until the reply and idle."""
    info = km.get_connection_info()
    ctx = zmq.Context.instance()
    sess = Session(key=info["key"], signature_scheme=info["signature_scheme"])
    shell = ctx.socket(zmq.DEALER)
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    for s in (shell, sub):
        s.setsockopt(zmq.LINGER, 0)
    shell.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    sub.connect(f"{info['transport']}://{info['ip']}:{info['iopub_port']}")
    time.sleep(0.5)
    content = {"code": "1+1", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
    out = []
    try:
        for i in range(n + 20):
            t0 = time.perf_counter()
            msg = sess.send(shell, "execute_request", content)
            msg_id = msg["header"]["msg_id"]
            shell.recv_multipart()
            while True:
                _, frames = sess.feed_identities(sub.recv_multipart(), copy=True)
                m = sess.deserialize(frames, content=True)
                if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                        and m["content"]["execution_state"] == "idle"):
                    break
            if i >= 20:
                out.append(time.perf_counter() - t0)
    finally:
        shell.close()
        sub.close()
    return out


def main():
    rows = []
    for name in KERNELS:
        starts = []
        for _ in range(STARTS):
            km, kc, dt = start(name)
            starts.append(dt)
            stop(km, kc)
        km, kc, _ = start(name)
        try:
            for _ in range(20):
                round_trip(kc)
            trips = [round_trip(kc) for _ in range(TRIPS)]
            raw = raw_round_trips(km, TRIPS)
        finally:
            stop(km, kc)
        rows.append((name, statistics.median(starts), statistics.median(trips), statistics.median(raw)))
    print(f"medians: {STARTS} starts, {TRIPS} round trips (until execute_reply and status idle)")
    print(f"{'kernel':<10} {'start to kernel_info_reply':>28} {'1+1 via jupyter_client':>24} {'1+1 via raw zmq':>18}")
    for name, s, t, r in rows:
        print(f"{name:<10} {s * 1000:>25.1f} ms {t * 1000:>21.2f} ms {r * 1000:>15.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
