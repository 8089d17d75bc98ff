"""Fixtures for the audio tests: speech rendered once per session, and a private PulseAudio server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from coach.demo import Line, render_call


@pytest.fixture(scope="session")
def short_call(tmp_path_factory) -> Path:
    """A two-line stereo call (agent on ch0, customer on ch1), rendered once per session."""
    wav = tmp_path_factory.mktemp("audio") / "short_call.wav"
    render_call(
        [Line("agent", "Thank you for calling, how can I help?"), Line("customer", "My internet keeps dropping.")],
        wav,
    )
    return wav


@pytest.fixture(scope="session")
def speech_16k(short_call) -> np.ndarray:
    """The short call as a float32 (samples, 2) array at 16 kHz."""
    import soundfile as sf

    data, rate = sf.read(str(short_call), dtype="float32", always_2d=True)
    assert rate == 16000
    return data


@pytest.fixture(scope="session")
def pulse_server(tmp_path_factory):
    """A throw-away PulseAudio daemon with a null sink named ``softphone``; env for clients.

    Runs in its own runtime dir (so it never touches a desktop's server); ``-D`` returns
    only once the daemon is ready, and ``pulseaudio --kill`` with the same runtime dir
    stops exactly this daemon at teardown.
    """
    if not shutil.which("pulseaudio") or not shutil.which("paplay"):
        pytest.skip("pulseaudio and paplay are needed for the live capture test")
    runtime = tmp_path_factory.mktemp("pulse")
    socket = runtime / "native"
    env = dict(os.environ, PULSE_RUNTIME_PATH=str(runtime), XDG_RUNTIME_DIR=str(runtime), PULSE_STATE_PATH=str(runtime))
    env.pop("PULSE_SERVER", None)
    subprocess.run(
        [
            "pulseaudio", "-D", "--exit-idle-time=-1", "-n", "--system=false",
            "--load=module-null-sink sink_name=softphone",
            f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
            f"--log-target=file:{runtime / 'log'}",
        ],
        env=env,
        check=True,
        timeout=30,
    )
    client = {
        "PULSE_RUNTIME_PATH": str(runtime),
        "PULSE_SERVER": f"unix:{socket}",
        "PULSE_SOURCE": "softphone.monitor",
    }
    try:
        yield client
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, timeout=30)
