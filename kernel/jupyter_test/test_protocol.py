"""Protocol tests of the Descent kernel through jupyter_client, for what the
jupyter_kernel_test suite does not cover: interrupts, crashes, live
output, stdin, signatures, restart, shutdown, stop_on_error, user
expressions, silent execution and comms.

Run through ./run (it installs the kernelspec and sets JUPYTER_PATH).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid
from queue import Empty

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

KERNEL = os.environ.get("DESCENT_KERNEL_NAME", "descent")
TIMEOUT = 30
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")


def start(**env):
    kw = {}
    if env:
        full = dict(os.environ)
        full.update(env)
        kw["env"] = full
    return start_new_kernel(kernel_name=KERNEL, startup_timeout=60, **kw)


class Client:
    """A kernel client that gathers a request's iopub messages."""

    def __init__(self, kc):
        self.kc = kc

    def collect(self, msg_id, timeout=TIMEOUT, on_msg=None):
        """iopub messages of msg_id up to its idle status, with arrival times."""
        msgs = []
        deadline = time.time() + timeout
        while True:
            m = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            m["arrived"] = time.time()
            if on_msg:
                on_msg(m)
            msgs.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                return msgs

    def reply(self, msg_id, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while True:
            r = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if r["parent_header"].get("msg_id") == msg_id:
                r["arrived"] = time.time()
                return r

    def run(self, code, timeout=TIMEOUT, **kw):
        msg_id = self.kc.execute(code, **kw)
        msgs = self.collect(msg_id, timeout)
        return self.reply(msg_id, timeout), msgs


def outputs(msgs, kind=None):
    out = [m for m in msgs if m["msg_type"] not in ("status", "execute_input")]
    if kind:
        out = [m for m in out if m["msg_type"] == kind]
    return out


def stdout(msgs):
    return "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


def result_text(msgs):
    rs = outputs(msgs, "execute_result")
    return rs[0]["content"]["data"]["text/plain"] if rs else None


class KernelCase(unittest.TestCase):
    env = {}

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start(**cls.env)
        cls.c = Client(cls.kc)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def assertAlive(self):
        reply, msgs = self.c.run("40 + 2")
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        self.assertEqual(result_text(msgs), "42")


class InterruptTests(KernelCase):
    def test_interrupt_message_keeps_state(self):
        self.c.run("kept := 41")
        msg_id = self.kc.execute("for {}")
        time.sleep(0.5)
        sent = time.time()
        self.km.interrupt_kernel()
        reply = self.c.reply(msg_id)
        msgs = self.c.collect(msg_id)
        print(f"\n  interrupt (message) stopped `for {{}}` in {reply['arrived'] - sent:.3f} s", end=" ")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(len(outputs(msgs, "error")), 1)
        r, msgs = self.c.run("kept + 1")
        self.assertEqual(r["content"]["status"], "ok")
        self.assertEqual(result_text(msgs), "42")

    def test_sigint_keeps_state(self):
        self.c.run("kept2 := 1")
        msg_id = self.kc.execute("for {}")
        time.sleep(0.5)
        os.kill(self.km.provisioner.pid, signal.SIGINT)
        reply = self.c.reply(msg_id)
        self.c.collect(msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        r, msgs = self.c.run("kept2 + 1")
        self.assertEqual(result_text(msgs), "2")

    def test_interrupt_blocked_in_compiled_code(self):
        # A cell blocked in compiled code stops too: either its context
        # returns control at once, or the kernel replaces the session after
        # a grace period and says it was reset.
        msg_id = self.kc.execute("time.Sleep(time.Hour)")
        time.sleep(0.3)
        sent = time.time()
        self.km.interrupt_kernel()
        reply = self.c.reply(msg_id, timeout=10)
        msgs = self.c.collect(msg_id)
        self.assertLess(reply["arrived"] - sent, 5)
        self.assertEqual(reply["content"]["status"], "error")
        errs = outputs(msgs, "error")
        self.assertEqual(len(errs), 1)
        self.assertRegex(errs[0]["content"]["evalue"], "interrupt")
        self.assertAlive()

    def test_control_served_while_cell_runs(self):
        msg_id = self.kc.execute("time.Sleep(3 * time.Second)")
        time.sleep(0.2)
        info = self.kc.session.msg("kernel_info_request")
        self.kc.control_channel.send(info)
        got = self.kc.get_control_msg(timeout=5)
        self.assertEqual(got["msg_type"], "kernel_info_reply")
        self.assertEqual(got["parent_header"]["msg_id"], info["header"]["msg_id"])
        with self.assertRaises(Empty, msg="the cell should still be running"):
            self.kc.get_shell_msg(timeout=0.01)
        self.assertEqual(self.c.reply(msg_id)["content"]["status"], "ok")
        self.c.collect(msg_id)


class CrashTests(KernelCase):
    env = {"DESCENT_MEMORY_LIMIT": "1G"}

    def crash(self, setup, code, cause):
        if setup:
            self.c.run(setup)
        self.c.run("survivor := 3")
        reply, msgs = self.c.run(code, timeout=120)
        self.assertEqual(reply["content"]["status"], "error")
        errs = outputs(msgs, "error")
        self.assertEqual(len(errs), 1, errs)
        evalue = errs[0]["content"]["evalue"]
        self.assertIn(cause, evalue)
        self.assertIn("reset", evalue)
        self.assertIsInstance(errs[0]["content"]["traceback"], list)
        shown = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")
        self.assertNotIn("runtime stack", shown, "the runtime's crash report is not shown as output")
        self.assertNotIn("goroutine ", shown)
        r, _ = self.c.run("survivor")
        self.assertEqual(r["content"]["status"], "error", "a fresh session should not know survivor")
        self.assertAlive()

    def test_goroutine_panic(self):
        # A panic on a goroutine the runtime started (a timer's) ends the
        # worker; the kernel names it and starts a fresh session.
        self.crash(None, 'time.AfterFunc(time.Millisecond, func() { panic("boom in a goroutine") })\ntime.Sleep(5 * time.Second)', "boom in a goroutine")

    def test_go_statement_panic(self):
        # A panic in a goroutine the cell started: the kernel lives on and
        # the panic is shown, as an error or on stderr.
        reply, msgs = self.c.run('go func() { panic("boom after go") }()\ntime.Sleep(500 * time.Millisecond)')
        shown = "".join(m["content"].get("text", "") + m["content"].get("evalue", "") for m in outputs(msgs))
        self.assertIn("boom after go", shown)
        self.assertAlive()

    def test_runaway_recursion(self):
        self.crash("func down(n int) int { return down(n+1) + 1 }", "down(0)", "stack overflow")

    def test_huge_allocation(self):
        self.crash(None, "big := bytes.Repeat([]byte{1}, 8<<30)\nlen(big)", "out of memory")


class OutputTests(KernelCase):
    def test_output_arrives_while_cell_runs(self):
        code = 'for i := 0; i < 5; i++ {\n\tfmt.Println("tick", i)\n\ttime.Sleep(300 * time.Millisecond)\n}'
        reply, msgs = self.c.run(code)
        streams = [m for m in msgs if m["msg_type"] == "stream"]
        self.assertEqual(stdout(msgs), "".join(f"tick {i}\n" for i in range(5)))
        self.assertGreaterEqual(len(streams), 4, "output should arrive in pieces while the cell runs")
        self.assertGreater(reply["arrived"] - streams[0]["arrived"], 0.8, "first output long before the reply")
        for m in msgs + [reply]:
            self.assertRegex(m["header"]["date"] if isinstance(m["header"]["date"], str) else m["header"]["date"].isoformat(), r"\d")

    def test_header_dates(self):
        # jupyter_client parses dates; check the wire form on a raw socket.
        raw = []
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.SUB)
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        info = self.km.get_connection_info()
        sock.connect(f"{info['transport']}://{info['ip']}:{info['iopub_port']}")
        # Probe until the subscription carries messages, then drain.
        deadline = time.time() + 10
        while not sock.poll(100) and time.time() < deadline:
            self.c.reply(self.kc.kernel_info())
        while sock.poll(200):
            sock.recv_multipart()
        msg_id = self.kc.execute('fmt.Println("date")')
        deadline = time.time() + 10
        while time.time() < deadline:
            if sock.poll(500):
                frames = sock.recv_multipart()
                i = frames.index(b"<IDS|MSG>")
                header = json.loads(frames[i + 2])
                parent = json.loads(frames[i + 3])
                raw.append(header)
                self.assertRegex(header["date"], DATE_RE)
                self.assertEqual(header["version"], "5.3")
                for part in frames[i + 3 : i + 6]:
                    self.assertIsInstance(json.loads(part), dict)
                if parent.get("msg_id") == msg_id and header["msg_type"] == "status" and b"idle" in frames[i + 5]:
                    break
        sock.close()
        self.c.reply(msg_id)
        self.assertTrue(raw)

    def test_stderr_and_stdout_flushed_before_idle(self):
        code = 'for i := 0; i < 200; i++ {\n\tfmt.Print("o")\n\tfmt.Fprint(os.Stderr, "e")\n}'
        _, msgs = self.c.run(code)
        self.assertEqual(stdout(msgs), "o" * 200)
        err = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
        self.assertEqual(err, "e" * 200)

    def test_output_of_compiled_code_and_raw_fds(self):
        # Writes that bypass the interpreter's streams: the log package
        # (compiled, to the real os.Stderr) and a write on file descriptor
        # 1 itself, as C libraries do.
        code = 'import "log"\nlog.SetFlags(0)\nlog.Print("from log")\nos.NewFile(1, "fd1").WriteString("from fd 1\\n")'
        reply, msgs = self.c.run(code)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        self.assertEqual(stdout(msgs), "from fd 1\n")
        err = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
        self.assertEqual(err, "from log\n")

    def test_update_display_data(self):
        code = 'h := display.New()\nh.Show(display.HTMLString("<i>1</i>"))\nh.Update(display.HTMLString("<i>2</i>"))\nfmt.Println("updated")'
        reply, msgs = self.c.run(code)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        kinds = [m["msg_type"] for m in outputs(msgs)]
        self.assertEqual(kinds, ["display_data", "update_display_data", "stream"])
        shown = outputs(msgs, "display_data")
        updated = outputs(msgs, "update_display_data")
        self.assertEqual(len(shown), 1)
        self.assertEqual(len(updated), 1)
        did = shown[0]["content"]["transient"]["display_id"]
        self.assertTrue(did)
        self.assertEqual(updated[0]["content"]["transient"]["display_id"], did)
        self.assertEqual(updated[0]["content"]["data"]["text/html"], "<i>2</i>")

    def test_output_order(self):
        code = 'for i := 0; i < 3; i++ {\n\tfmt.Println("text", i)\n\tdisplay.HTML("<hr>")\n}\nfmt.Fprintln(os.Stderr, "done")'
        reply, msgs = self.c.run(code)
        got = [(m["msg_type"], m["content"].get("text")) for m in outputs(msgs)]
        want = []
        for i in range(3):
            want += [("stream", f"text {i}\n"), ("display_data", None)]
        want.append(("stream", "done\n"))
        self.assertEqual(got, want)

    def test_clear_output_wait(self):
        reply, msgs = self.c.run("display.Clear(true)")
        clears = outputs(msgs, "clear_output")
        self.assertEqual(len(clears), 1)
        self.assertTrue(clears[0]["content"]["wait"])

    def test_image_is_base64(self):
        code = 'img := image.NewRGBA(image.Rect(0, 0, 3, 2))\ndisplay.Image(img)'
        reply, msgs = self.c.run(code)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        shown = outputs(msgs, "display_data")
        self.assertEqual(len(shown), 1)
        import base64

        png = base64.b64decode(shown[0]["content"]["data"]["image/png"])
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")


class StdinTests(KernelCase):
    def test_input_request_round_trip(self):
        code = 'var name string\nfmt.Print("name? ")\nfmt.Scanln(&name)\nfmt.Println("hello", name)'
        msg_id = self.kc.execute(code, allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.assertFalse(req["content"]["password"])
        self.kc.input("gopher")
        reply = self.c.reply(msg_id)
        msgs = self.c.collect(msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(stdout(msgs), "name? hello gopher\n")

    def test_bufio_on_os_stdin(self):
        code = 'r := bufio.NewReader(os.Stdin)\nline, _ := r.ReadString(\'\\n\')\nfmt.Printf("got %q\\n", line)'
        msg_id = self.kc.execute(code, allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.kc.input("two words")
        reply = self.c.reply(msg_id)
        msgs = self.c.collect(msg_id)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        self.assertEqual(stdout(msgs), 'got "two words\\n"\n')

    def test_stdin_not_allowed(self):
        code = 'var word string\n_, err := fmt.Scanln(&word)\nfmt.Println(err)'
        reply, msgs = self.c.run(code, allow_stdin=False)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertIn("allow_stdin is false", stdout(msgs))
        with self.assertRaises(Empty):
            self.kc.get_stdin_msg(timeout=0.3)


class SignatureTests(KernelCase):
    def raw_shell(self):
        info = self.km.get_connection_info()
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
        return sock

    def message(self, sign_key):
        sess = Session(key=sign_key, username="test")
        msg = sess.msg("kernel_info_request")
        return sess, msg

    def expect_silence(self, sock, msg_id):
        self.assertEqual(sock.poll(1000), 0, "a bad message must get no reply")
        with self.assertRaises(Empty):
            while True:
                m = self.kc.get_iopub_msg(timeout=0.3)
                self.assertNotEqual(m["parent_header"].get("msg_id"), msg_id, "no busy/idle for a bad message")

    def test_bad_signature_ignored(self):
        sock = self.raw_shell()
        try:
            sess, msg = self.message(b"not-the-key")
            sess.send(sock, msg)
            self.expect_silence(sock, msg["header"]["msg_id"])
        finally:
            sock.close()
        self.assertAlive()

    def test_unsigned_ignored(self):
        sock = self.raw_shell()
        try:
            sess, msg = self.message(b"")
            sess.send(sock, msg)
            self.expect_silence(sock, msg["header"]["msg_id"])
        finally:
            sock.close()
        self.assertAlive()

    def test_malformed_ignored(self):
        sock = self.raw_shell()
        try:
            sock.send_multipart([b"<IDS|MSG>", b"abc", b"{not json"])
            sock.send_multipart([b"garbage"])
            self.assertEqual(sock.poll(1000), 0)
        finally:
            sock.close()
        self.assertAlive()

    def test_good_signature_on_raw_socket(self):
        sock = self.raw_shell()
        try:
            sess = Session(key=self.kc.session.key, username="test")
            msg = sess.msg("kernel_info_request")
            sess.send(sock, msg)
            self.assertEqual(sock.poll(5000), zmq.POLLIN)
            _, reply = sess.feed_identities(sock.recv_multipart())
            reply = sess.deserialize(reply)
            self.assertEqual(reply["msg_type"], "kernel_info_reply")
        finally:
            sock.close()


class ExecuteTests(KernelCase):
    def test_stop_on_error_aborts_queued(self):
        # The failing cell runs long enough for the others to be queued.
        ids = [
            self.kc.execute('time.Sleep(300 * time.Millisecond)\npanic("stop here")'),
            self.kc.execute('fmt.Println("never")'),
            self.kc.execute('fmt.Println("never either")'),
        ]
        replies = [self.c.reply(i) for i in ids]
        for i in ids:
            self.c.collect(i)
        self.assertEqual([r["content"]["status"] for r in replies], ["error", "aborted", "aborted"])
        r, msgs = self.c.run('fmt.Println("runs again")')
        self.assertEqual(stdout(msgs), "runs again\n")

    def test_no_stop_on_error(self):
        ids = [self.kc.execute("undefinedThing()", stop_on_error=False), self.kc.execute("1 + 1")]
        replies = [self.c.reply(i) for i in ids]
        for i in ids:
            self.c.collect(i)
        self.assertEqual([r["content"]["status"] for r in replies], ["error", "ok"])

    def test_user_expressions(self):
        reply, _ = self.c.run("ue := 5", user_expressions={"double": "ue * 2", "bad": "nosuchname"})
        ue = reply["content"]["user_expressions"]
        self.assertEqual(ue["double"]["status"], "ok")
        self.assertEqual(ue["double"]["data"]["text/plain"], "10")
        self.assertEqual(ue["bad"]["status"], "error")
        self.assertTrue(ue["bad"]["ename"])

    def test_silent_and_store_history(self):
        r1, _ = self.c.run("1")
        count = r1["content"]["execution_count"]
        r2, msgs = self.c.run("2", silent=True)
        self.assertEqual(r2["content"]["execution_count"], count)
        self.assertEqual(outputs(msgs, "execute_result"), [])
        self.assertFalse([m for m in msgs if m["msg_type"] == "execute_input"])
        r3, msgs = self.c.run("3", store_history=False)
        self.assertEqual(r3["content"]["execution_count"], count)
        self.assertEqual(result_text(msgs), "3")
        r4, _ = self.c.run("4")
        self.assertEqual(r4["content"]["execution_count"], count + 1)
        msg_id = self.kc.history(hist_access_type="tail", n=2, output=False, raw=True)
        hist = self.c.reply(msg_id)["content"]["history"]
        self.assertEqual([h[2] for h in hist], ["1", "4"])

    def test_execute_input_and_result_counts(self):
        reply, msgs = self.c.run("21 * 2")
        n = reply["content"]["execution_count"]
        inputs = [m for m in msgs if m["msg_type"] == "execute_input"]
        self.assertEqual(inputs[0]["content"]["execution_count"], n)
        self.assertEqual(outputs(msgs, "execute_result")[0]["content"]["execution_count"], n)
        kinds = [m["msg_type"] for m in msgs]
        self.assertEqual(kinds[0], "status")
        self.assertEqual(kinds[1], "execute_input")
        self.assertEqual(kinds[-1], "status")

    def test_comm_info_and_unknown_comm(self):
        msg_id = self.kc.comm_info()
        r = self.c.reply(msg_id)
        self.assertEqual(r["content"], {"status": "ok", "comms": {}})
        self.c.collect(msg_id)
        comm_id = uuid.uuid4().hex
        msg = self.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}})
        self.kc.shell_channel.send(msg)
        msgs = self.c.collect(msg["header"]["msg_id"])
        closes = [m for m in msgs if m["msg_type"] == "comm_close"]
        self.assertEqual(len(closes), 1)
        self.assertEqual(closes[0]["content"]["comm_id"], comm_id)

    def test_unknown_request_type(self):
        msg = self.kc.session.msg("no_such_request", {})
        self.kc.shell_channel.send(msg)
        r = self.c.reply(msg["header"]["msg_id"])
        self.assertEqual(r["msg_type"], "no_such_reply")
        self.assertEqual(r["content"]["status"], "error")
        kinds = [m["content"].get("execution_state") for m in self.c.collect(msg["header"]["msg_id"])]
        self.assertEqual(kinds, ["busy", "idle"])

    def test_kernel_info(self):
        msg_id = self.kc.kernel_info()
        r = self.c.reply(msg_id)["content"]
        self.assertEqual(r["protocol_version"], "5.3")
        li = r["language_info"]
        self.assertEqual((li["name"], li["mimetype"], li["file_extension"], li["pygments_lexer"], li["codemirror_mode"]), ("go", "text/x-go", ".go", "go", "go"))
        self.assertTrue(li["version"][0].isdigit())
        self.assertTrue(r["help_links"])

    def test_heartbeat_echo(self):
        info = self.km.get_connection_info()
        sock = zmq.Context.instance().socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"{info['transport']}://{info['ip']}:{info['hb_port']}")
        try:
            for ping in (b"ping", b"\x00\x01binary"):
                sock.send(ping)
                self.assertEqual(sock.poll(5000), zmq.POLLIN)
                self.assertEqual(sock.recv(), ping)
        finally:
            sock.close()

    def test_complete_cursor_in_code_points(self):
        code = 's := "héllo"; fmt.Printl'
        msg_id = self.kc.complete(code, len(code))
        r = self.c.reply(msg_id)["content"]
        self.assertEqual(r["cursor_end"], len(code))
        self.assertIn("Println", [m[-len("Println"):] for m in r["matches"]])


class StartupTests(unittest.TestCase):
    """The kernel refuses bad starts at once with a one-line reason."""

    def setUp(self):
        from jupyter_client.kernelspec import KernelSpecManager

        self.binary = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def start(self, conn):
        path = os.path.join(self.dir, "conn.json")
        with open(path, "w") as f:
            f.write(conn if isinstance(conn, str) else json.dumps(conn))
        p = subprocess.run([self.binary, "kernel", "--connection-file", path], capture_output=True, text=True, timeout=20)
        return p.returncode, p.stderr.strip().splitlines()

    def conn(self, **kw):
        ports = []
        for _ in range(5):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
            s.close()
        c = {"transport": "tcp", "ip": "127.0.0.1", "key": "k", "signature_scheme": "hmac-sha256",
             "shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2], "control_port": ports[3], "hb_port": ports[4]}
        c.update(kw)
        return c

    def check(self, conn, words):
        code, lines = self.start(conn)
        self.assertNotEqual(code, 0)
        self.assertEqual(len(lines), 1, lines)
        for w in words:
            self.assertIn(w, lines[0])

    def test_unknown_signature_scheme(self):
        self.check(self.conn(signature_scheme="hmac-md5"), ["signature scheme", "hmac-md5"])

    def test_unreadable_connection_file(self):
        code = subprocess.run([self.binary, "kernel", "--connection-file", os.path.join(self.dir, "missing.json")], capture_output=True, text=True, timeout=20)
        self.assertNotEqual(code.returncode, 0)
        self.assertEqual(len(code.stderr.strip().splitlines()), 1, code.stderr)
        self.assertIn("connection file", code.stderr)
        self.check("{not json", ["connection file", "JSON"])

    def test_taken_port(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        try:
            self.check(self.conn(control_port=s.getsockname()[1]), ["control", "address already in use"])
        finally:
            s.close()


class LifecycleTests(unittest.TestCase):
    def test_restart(self):
        km, kc = start()
        try:
            c = Client(kc)
            c.run("before := 1")
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=60)
            reply, msgs = c.run("1 + 1")
            self.assertEqual(reply["content"]["status"], "ok")
            self.assertEqual(reply["content"]["execution_count"], 1)
            reply, _ = c.run("before")
            self.assertEqual(reply["content"]["status"], "error")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def test_shutdown(self):
        km, kc = start()
        try:
            msg_id = kc.shutdown()
            r = kc.get_control_msg(timeout=10)
            self.assertEqual(r["msg_type"], "shutdown_reply")
            self.assertEqual(r["parent_header"]["msg_id"], msg_id)
            self.assertFalse(r["content"]["restart"])
            deadline = time.time() + 10
            while km.is_alive() and time.time() < deadline:
                time.sleep(0.05)
            self.assertFalse(km.is_alive(), "the kernel should exit after shutdown_request")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
