"""The eff Jupyter kernel: an ipykernel wrapper kernel that drives one long-lived `eff serve --stdio` process.

    python3 jupyter/eff_kernel.py install [--user | --prefix DIR] [--eff PATH]   # write the kernelspec
    python3 jupyter/eff_kernel.py -f CONNECTION_FILE                             # what Jupyter runs

Jupyter's messages (execute, complete, inspect, is_complete, interrupt, shutdown) become the JSON lines of
eff's serve protocol (docs/jupyter.md). Variables, models and loaded LLMs live in the eff process, so they
persist between cells; a restart starts a fresh process.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading

KERNEL_NAME = "eff"
HERE = os.path.dirname(os.path.abspath(__file__))


def find_eff():
    """The eff executable: $EFF_BINARY, else `eff` on PATH, else this repository's release or debug build."""
    candidates = [os.environ.get("EFF_BINARY"), shutil.which("eff")]
    repo = os.path.dirname(HERE)
    candidates += [os.path.join(repo, ".build", c, "eff") for c in ("release", "debug")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    return None


class EffProcess:
    """One `eff serve --stdio` child and the reader thread that queues its JSON lines."""

    def __init__(self, eff):
        # A session of its own: the interrupt reaches eff as a protocol message, never as the group's SIGINT.
        self.process = subprocess.Popen(
            [eff, "serve", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, bufsize=0)
        self.events = queue.Queue()
        self.stderr = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, args=(self.process.stdout, self.events, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.stderr, False), daemon=True).start()
        ready = self.events.get(timeout=120)
        if ready.get("event") != "ready":
            raise RuntimeError("eff serve did not start: %r" % (ready,))

    @staticmethod
    def _read(stream, into, is_json):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace")
            if is_json:
                try:
                    into.put(json.loads(line))
                except ValueError:
                    into.put({"event": "garbage", "text": line})
            else:
                into.put(line)
        into.put({"event": "exit"} if is_json else None)

    def send(self, op, **fields):
        self.next_id += 1
        message = dict(fields, id=self.next_id, op=op)
        self.process.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
        self.process.stdin.flush()
        return self.next_id

    def request(self, op, on_event=None, **fields):
        """Sends a request and waits for its `done` reply; other events go to on_event. A SIGINT while waiting
        (Jupyter's interrupt) is passed on as an `interrupt` request and the wait goes on. The handler only sets
        a flag, so the interrupt can never land in the middle of this loop as a KeyboardInterrupt."""
        interrupts = []
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGINT, lambda number, frame: interrupts.append(number))
        try:
            request_id = self.send(op, **fields)
            while True:
                if interrupts:
                    interrupts.clear()
                    self.send("interrupt")
                try:
                    event = self.events.get(timeout=0.1)
                except queue.Empty:
                    if self.process.poll() is not None and self.events.empty():
                        return self.exited()
                    if on_event:
                        on_event({"event": "tick"})  # lets the caller pass on eff's stderr while it runs
                    continue
                if event.get("event") == "exit":
                    return self.exited()
                if event.get("id") != request_id:
                    continue  # the reply to an interrupt, or garbage
                if event.get("event") == "done":
                    return event
                if on_event:
                    on_event(event)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    @staticmethod
    def exited():
        return {"status": "error", "errors": [{"kind": "kernel", "message": "eff exited",
                                               "rendered": "error: the eff process exited (restart the kernel)"}]}

    def drain_stderr(self):
        lines = []
        while True:
            try:
                line = self.stderr.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                lines.append(line)
        return "".join(lines)

    def close(self):
        if self.process.poll() is None:
            try:
                self.send("shutdown")
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except Exception:
                self.process.kill()
                self.process.wait()


def make_kernel_class():
    from ipykernel.kernelbase import Kernel

    class EffKernel(Kernel):
        implementation = "eff"
        implementation_version = "0.1.0"
        language = "eff"
        language_version = "0.1"
        language_info = {
            "name": "eff",
            "mimetype": "text/x-eff",
            "file_extension": ".eff",
            "codemirror_mode": "python",
            "pygments_lexer": "python",
        }
        banner = "eff — a small language for checking claims about the speed, energy and accuracy of neural models"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            eff = find_eff()
            if eff is None:
                raise RuntimeError("eff not found: set EFF_BINARY or put eff on PATH")
            self.eff = EffProcess(eff)

        def _stream(self, name, text):
            if text and not self.silent:
                self.send_response(self.iopub_socket, "stream", {"name": name, "text": text})

        async def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False,
                             **kwargs):
            self.silent = silent
            if not code.strip():
                return {"status": "ok", "execution_count": self.execution_count, "payload": [],
                        "user_expressions": {}}

            def on_event(event):
                self._stream("stderr", self.eff.drain_stderr())
                if event.get("event") == "stream":
                    self._stream("stdout", event.get("text", ""))

            reply = self.eff.request("execute", on_event=on_event, code=code)
            self._stream("stderr", self.eff.drain_stderr())
            if reply.get("status") == "ok":
                result = reply.get("result")
                if result and not silent:
                    self.send_response(self.iopub_socket, "execute_result", {
                        "execution_count": self.execution_count, "data": result, "metadata": {}})
                return {"status": "ok", "execution_count": self.execution_count, "payload": [],
                        "user_expressions": {}}
            errors = reply.get("errors") or [{"kind": "error", "message": "failed", "rendered": "error"}]
            traceback = "\n".join(e.get("rendered", e.get("message", "")) for e in errors).split("\n")
            content = {"ename": errors[0].get("kind", "error") + " error", "evalue": errors[0].get("message", ""),
                       "traceback": traceback}
            if not silent:
                self.send_response(self.iopub_socket, "error", content)
            return dict(content, status="error", execution_count=self.execution_count)

        async def do_complete(self, code, cursor_pos):
            reply = self.eff.request("complete", code=code, cursor=cursor_pos)
            return {"status": "ok", "matches": reply.get("matches", []),
                    "cursor_start": reply.get("cursor_start", cursor_pos),
                    "cursor_end": reply.get("cursor_end", cursor_pos), "metadata": {}}

        async def do_inspect(self, code, cursor_pos, detail_level=0, omit_sections=()):
            reply = self.eff.request("inspect", code=code, cursor=cursor_pos)
            return {"status": "ok", "found": bool(reply.get("found")), "data": reply.get("data", {}),
                    "metadata": {}}

        async def do_is_complete(self, code):
            reply = self.eff.request("is_complete", code=code)
            if reply.get("complete"):
                return {"status": "complete"}
            return {"status": "incomplete", "indent": "  "}

        async def do_shutdown(self, restart):
            self.eff.close()
            return {"status": "ok", "restart": restart}

    return EffKernel


def install(argv):
    import argparse
    import tempfile

    from jupyter_client.kernelspec import KernelSpecManager

    parser = argparse.ArgumentParser(prog="eff_kernel.py install", description="Install the eff Jupyter kernel.")
    parser.add_argument("--user", action="store_true", help="install in the user's Jupyter data dir (the default)")
    parser.add_argument("--prefix", help="install under PREFIX/share/jupyter/kernels (e.g. a virtual env)")
    parser.add_argument("--eff", help="the eff executable (default: $EFF_BINARY, PATH, then this repo's build)")
    args = parser.parse_args(argv)
    eff = os.path.abspath(args.eff) if args.eff else find_eff()
    if eff is None or not os.access(eff, os.X_OK):
        sys.exit("eff_kernel.py: eff not found; build it (swift build -c release) or pass --eff PATH")
    spec = {
        "argv": [sys.executable, os.path.abspath(__file__), "-f", "{connection_file}"],
        "display_name": "eff",
        "language": "eff",
        "interrupt_mode": "signal",
        "env": {"EFF_BINARY": eff},
    }
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "kernel.json"), "w") as handle:
            json.dump(spec, handle, indent=2)
        destination = KernelSpecManager().install_kernel_spec(
            folder, KERNEL_NAME, user=not args.prefix, prefix=args.prefix)
    print("installed the eff kernel in %s (eff: %s)" % (destination, eff))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "install":
        install(sys.argv[2:])
        return
    from ipykernel.kernelapp import IPKernelApp
    IPKernelApp.launch_instance(kernel_class=make_kernel_class())


if __name__ == "__main__":
    main()
