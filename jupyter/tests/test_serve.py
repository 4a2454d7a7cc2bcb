"""`eff serve --stdio` on its own: SIGINT stops a running request and never ends the server, idle or busy.

    EFF_BINARY=.build/release/eff python3 -m pytest jupyter/tests
"""

import json
import signal
import subprocess
import time

from test_kernel import eff_binary


class Serve:
    def __init__(self):
        self.process = subprocess.Popen([eff_binary(), "serve", "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)
        assert json.loads(self.process.stdout.readline()) == {"event": "ready", "version": 1}

    def send(self, **message):
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def next(self):
        line = self.process.stdout.readline()
        assert line, "eff serve ended (exit status %s)" % self.process.poll()
        return json.loads(line)

    def close(self):
        self.send(id=0, op="shutdown")
        assert self.next() == {"event": "done", "id": 0, "status": "ok"}
        assert self.process.wait(timeout=30) == 0


def test_sigint_stops_a_loop_and_an_idle_sigint_does_not_end_the_server():
    serve = Serve()
    serve.process.send_signal(signal.SIGINT)  # idle: nothing to stop
    time.sleep(0.2)
    serve.send(id=1, op="execute", code='let kept = 2\nprint("looping")\nwhile true { kept = kept + 0 }')
    assert serve.next() == {"event": "stream", "id": 1, "text": "looping\n"}  # sent while the loop runs
    serve.process.send_signal(signal.SIGINT)
    done = serve.next()
    assert done["id"] == 1 and done["status"] == "error" and done["errors"][0]["message"] == "interrupted", done
    serve.send(id=2, op="execute", code="kept * 21")
    assert serve.next() == {"event": "done", "id": 2, "result": {"text/plain": "42"}, "status": "ok"}
    serve.close()


def test_end_of_input_ends_the_server():
    serve = Serve()
    serve.send(id=1, op="execute", code="1 + 1")
    assert serve.next()["result"] == {"text/plain": "2"}
    serve.process.stdin.close()
    assert serve.process.wait(timeout=30) == 0
