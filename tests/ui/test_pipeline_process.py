"""The pipeline process: errors come back as one sentence, and a dead child is reported, not waited on forever."""

from __future__ import annotations

import threading

from coach.ui.pipeline_process import PipelineProcess, step_choices


def _run(target, options=None):
    done = threading.Event()
    failed: list[str] = []
    pipeline = PipelineProcess("file", target, options or {}, deliver=lambda e: None, on_failed=failed.append,
                               on_finished=done.set)
    assert done.wait(120)
    pipeline.join()
    return pipeline, failed


def test_an_unreadable_recording_fails_with_one_clear_sentence(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....not audio")
    pipeline, failed = _run(str(bad))
    assert len(failed) == 1 and "broken.wav" in failed[0] and "\n" not in failed[0]
    assert not pipeline.ready.is_set() and pipeline.finished.is_set()
    assert pipeline.process.exitcode == 0


def test_step_choices_come_from_the_proxy_or_the_playbook():
    class Proxy:
        steps = [("vent", "Let them vent")]

    assert step_choices(Proxy()) == [("vent", "Let them vent")]
    assert step_choices(object()) == []


def test_the_pipeline_steps_aside_for_the_panel():
    """A lower priority in the panel's scheduling group (measured better than a group of its own at everyday load),
    and it ends with the panel's process."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import ctypes, json, os; from coach.ui.pipeline_process import step_aside, PIPELINE_NICENESS; "
        "before = (os.getsid(0), os.nice(0)); step_aside(); "
        "libc = ctypes.CDLL(None); sig = ctypes.c_int(); libc.prctl(2, ctypes.byref(sig), 0, 0, 0); "
                "print(json.dumps({'sid_before': before[0], 'sid': os.getsid(0), 'pid': os.getpid(), 'nice_before': before[1], "
        "'nice': os.nice(0), 'deathsig': sig.value, 'want': PIPELINE_NICENESS}))"
    )
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert out["sid"] == out["sid_before"]  # the panel's session, so (on Linux) the panel's scheduling group
    assert out["nice"] >= out["nice_before"] + out["want"] or out["nice"] == 19
    assert out["deathsig"] == 15  # SIGTERM when the panel's process dies
