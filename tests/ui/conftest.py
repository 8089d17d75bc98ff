"""UI tests: real Qt widgets, offscreen; hand-made event lists for a call."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from coach.events import (
    AbuseEvent,
    AgentAction,
    CallEnded,
    CallSignals,
    CallStarted,
    Classification,
    Classified,
    CueEvent,
    Partial,
    StepChanged,
    TimerStarted,
    Utterance,
)


def _classified(channel, start, end, text, *, sentiment="neutral", anger=0.1, abuse="none", cues=()):
    u = Utterance(channel, start, end, text)
    c = Classification(text, channel, sentiment, {sentiment: 1.0}, anger, abuse, 0.9, tuple(cues))
    return u, Classified(u, c)


def _signals(t, anger, *, abuse=(), cues=(), name=None, last=None, sentiment="negative"):
    return CallSignals(t, anger, 0.5, sentiment, tuple(abuse), tuple(cues), {}, None, 0.0, name, (), last)


def make_call() -> list:
    """A short call as the session would emit it."""
    ev: list = [CallStarted(0.0, "test.wav", "whisper tiny.en", "playbooks/default.yaml")]
    ev.append(StepChanged(0.0, "listen", "Listen", say=("How can I help?",), reason="start of the call"))
    ev.append(Partial("customer", 1.0, 2.0, "my name is"))
    u, c = _classified("customer", 1.0, 3.0, "My name is Dana and my internet is down", anger=0.3)
    ev += [u, c, _signals(3.0, 0.3, name="Dana", last=c)]
    for k in range(1, 8):
        ev.append(_signals(3.0 + k * 0.5, 0.3))
    u, c = _classified("customer", 6.0, 8.0, "I want to speak to your manager", anger=0.7, cues=("supervisor_request",))
    cue = CueEvent(8.0, "supervisor_request", "customer", c.utterance.text)
    ev += [u, c, _signals(8.0, 0.7, cues=[cue], name="Dana", last=c)]
    ev.append(
        StepChanged(8.0, "delegate_up", "Offer a supervisor", say=("I can bring in my supervisor.",),
                    avoid=("Refusing outright",), reason="supervisor_request in 'I want to speak to your manager'",
                    previous="listen", transition="t1")
    )
    u, c = _classified("customer", 10.0, 11.5, "You useless idiot", anger=0.9, abuse="insult")
    insult = AbuseEvent(11.5, "insult", "You useless idiot", 0.9)
    ev += [u, c, _signals(11.5, 0.9, abuse=[insult], cues=[cue], name="Dana", last=c)]
    ev.append(AgentAction(12.0, "warned", "delegate_up"))
    u, c = _classified("customer", 13.0, 15.0, "I will find you and hurt you", anger=0.95, abuse="threat")
    threat = AbuseEvent(15.0, "threat", c.utterance.text, 0.95)
    ev += [u, c, _signals(15.0, 0.95, abuse=[insult, threat], cues=[cue], name="Dana", last=c)]
    ev.append(
        StepChanged(15.0, "draw_the_line", "Draw the line", say=("I will end this call if the threats continue.",),
                    avoid=("Threatening back",), reason="threat in 'I will find you and hurt you'",
                    previous="delegate_up", transition="t2")
    )
    ev.append(TimerStarted(15.0, "line_timer", "draw_the_line", 30.0, "end the call"))
    ev.append(CallEnded(20.0))
    return ev


@pytest.fixture
def call_events():
    """A short hand-made call: start step, manager request, insult, warning, threat."""
    return make_call()


@pytest.fixture
def pulse_null_sink(tmp_path):
    """A private PulseAudio server with a null sink 'coach_test' (its monitor is the 'softphone output').

    Yields the environment for processes that should use it.
    """
    import shutil
    import subprocess

    if not shutil.which("pulseaudio"):
        pytest.skip("pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")
    runtime = tmp_path / "pulse-runtime"
    runtime.mkdir()
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), PULSE_RUNTIME_PATH=str(runtime / "pulse"))
    server = subprocess.Popen(
        ["pulseaudio", "-n", "-v", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--log-target=stderr",
         "-L", "module-native-protocol-unix", "-L", "module-null-sink sink_name=coach_test", "-L", "module-always-sink"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    for line in server.stderr:  # wait for the server's own word that it is up
        if "daemon startup complete" in line.lower():
            break
    import threading

    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()  # keep draining its log
    ok = subprocess.run(["pactl", "info"], env=env, capture_output=True, text=True)
    if ok.returncode != 0:
        server.kill()
        pytest.skip(f"PulseAudio did not start: {ok.stderr.strip()}")
    subprocess.run(["pactl", "set-default-source", "coach_test.monitor"], env=env, check=True)
    yield env
    server.terminate()
    server.wait(timeout=10)
