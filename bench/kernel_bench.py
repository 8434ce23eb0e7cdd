"""Kernel measurements through jupyter_client, as a front end sees them.

    kernel_bench.py --kernel NAME io [--reps N] [--mb M]
    kernel_bench.py --kernel descent mlp --cells FILE

io times `1+1` from sending execute_request to the kernel's idle status on
iopub (median of N), then a cell printing M MB in lines of 1 KiB until idle,
and checks that every byte arrived; mlp sends the MLP cells of the Go worker
and reports the epoch cell's round trip and the loop time the cell printed.
Prints one line of JSON. The descent kernelspec is found through
JUPYTER_PATH; "python3" is Debian's IPython kernel.
"""

import argparse
import json
import statistics
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 600


def run(kc, code):
    """Executes code and returns (seconds to idle, stream text, error)."""
    start = time.perf_counter()
    msg_id = kc.execute(code)
    out, err = [], None
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            err = content["ename"] + ": " + content["evalue"]
        elif kind == "status" and content["execution_state"] == "idle":
            break
    sec = time.perf_counter() - start
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    if reply["content"]["status"] != "ok" and err is None:
        err = reply["content"].get("ename", "error")
    return sec, "".join(out), err


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", default="python3")
    p.add_argument("task")
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--mb", type=float, default=10)
    p.add_argument("--cells", default="")
    a = p.parse_args()
    go = a.kernel != "python3"
    km, kc = start_new_kernel(kernel_name=a.kernel, startup_timeout=120)
    try:
        if a.task == "io":
            run(kc, "1+1")
            times = [run(kc, "1+1")[0] for _ in range(a.reps)]
            res = {"ms": statistics.median(times) * 1e3, "min_ms": min(times) * 1e3}
            lines = int(a.mb * 1024)
            if go:
                setup = 'import "strings"\n\nline := strings.Repeat("x", 1023)\n'
                loop = "for i := 0; i < %d; i++ {\n\tfmt.Println(line)\n}\n" % lines
            else:
                setup = 'line = "x" * 1023\n'
                loop = "for i in range(%d):\n    print(line)\n" % lines
            run(kc, setup)
            sec, out, err = run(kc, loop)
            if err:
                raise SystemExit("stream cell failed: " + err)
            if len(out) != lines * 1024:
                raise SystemExit("stream: received %d bytes, sent %d" % (len(out), lines * 1024))
            res.update({"seconds": sec, "mb_per_s": len(out) / sec / 2 ** 20, "bytes": len(out)})
        else:
            with open(a.cells) as f:
                cells = json.load(f)
            _, _, err = run(kc, cells["mlp_setup"])
            if err:
                raise SystemExit("setup cell failed: " + err)
            sec, out, err = run(kc, cells["mlp_epoch"])
            if err:
                raise SystemExit("epoch cell failed: " + err)
            res = json.loads(out.strip().splitlines()[-1])
            res["execute_seconds"] = sec
            res["samples_per_s"] = res["samples"] / res["seconds"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
