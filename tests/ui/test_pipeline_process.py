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
