"""`coach live` on a real PulseAudio server: the customer's speech is played into a null sink
(the 'softphone'), the panel captures its monitor, and shows the step the playbook chose."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from coach.calllog import read_log

CALLS = Path(__file__).resolve().parents[1] / "calls"

pytestmark = [pytest.mark.slow, pytest.mark.live]


def test_live_panel_coaches_a_call_from_the_softphone_monitor(pulse_null_sink, tmp_path):
    from coach.demo import render_call

    call = tmp_path / "manager_request.wav"
    render_call(CALLS / "manager_request.txt", call)
    customer = tmp_path / "customer.wav"
    subprocess.run(["sox", str(call), str(customer), "remix", "2"], check=True)  # the customer's side only

    env = dict(pulse_null_sink, COACH_UI_TRACE="/dev/stdout", COACH_DATA_DIR=str(tmp_path / "data"),
               COACH_CONFIG_DIR=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    coach = subprocess.Popen(
        [sys.executable, "-m", "coach", "live", "--customer-device", "pulse", "--engine", "whisper"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    watchdog = threading.Timer(300, coach.kill)  # a hung run fails the test instead of blocking CI
    watchdog.start()
    marks: list[dict] = []
    player = None
    try:
        for line in coach.stdout:
            if not line.startswith("{"):
                continue
            mark = json.loads(line)
            marks.append(mark)
            if mark["what"] == "ready":
                player = subprocess.Popen(["paplay", "--device=coach_test", str(customer)], env=pulse_null_sink)
            if mark["what"] == "step_shown" and mark["step"] == "delegate_up":
                break
        if player is not None:
            player.wait(timeout=120)
        coach.send_signal(signal.SIGINT)  # Ctrl-C: the panel closes cleanly
        _, err = coach.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if coach.poll() is None:
            coach.kill()
    whats = [m["what"] for m in marks]
    assert whats[0] == "shown" and "ready" in whats, (whats, err[-2000:])
    assert whats.index("shown") < whats.index("ready")  # the window is up before the models
    assert any(m["what"] == "step_shown" and m["step"] == "delegate_up" for m in marks), err[-2000:]
    assert coach.returncode == 0, err[-2000:]
    logs = list((tmp_path / "data" / "calls").glob("*.jsonl"))
    assert len(logs) == 1, err[-2000:]
    events = read_log(logs[0])
    assert any(e["type"] == "step" and e["step"] == "delegate_up" for e in events)
    assert events[-1]["type"] == "call_ended"
