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
    """Its own session (so, on Linux, its own scheduling group, made less important) and a lower priority,
    and it ends with the panel's process."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import ctypes, json, os; from coach.ui.pipeline_process import step_aside, PIPELINE_NICENESS; "
        "before = (os.getsid(0), os.nice(0)); step_aside(); "
        "libc = ctypes.CDLL(None); sig = ctypes.c_int(); libc.prctl(2, ctypes.byref(sig), 0, 0, 0); "
        "group = open('/proc/self/autogroup').read().strip() if os.path.exists('/proc/self/autogroup') else ''; "
        "print(json.dumps({'sid_before': before[0], 'sid': os.getsid(0), 'pid': os.getpid(), 'nice_before': before[1], "
        "'nice': os.nice(0), 'group': group, 'deathsig': sig.value, 'want': PIPELINE_NICENESS}))"
    )
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert out["sid"] == out["pid"] != out["sid_before"]  # a session of its own
    assert out["nice"] >= out["nice_before"] + out["want"] or out["nice"] == 19
    if out["group"]:  # Linux with autogroup: a group of its own, at the default weight (not starved by other programs)
        assert out["group"].endswith("nice 0"), out
    assert out["deathsig"] == 15  # SIGTERM when the panel's process dies
