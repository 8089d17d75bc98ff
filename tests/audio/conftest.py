"""Fixtures for the audio tests: speech rendered once per session, and a private PulseAudio server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
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


class PulseDaemon:
    """A throw-away PulseAudio daemon with a null sink named ``softphone``; ``client`` is the env for its clients.

    Runs in its own runtime dir (so it never touches a desktop's server); ``-D`` returns
    only once the daemon is ready. ``kill()`` kills exactly this daemon (its pid file) with a
    signal, as a crash would; ``ensure()`` starts a fresh one (same socket, same sink) if it
    is not running, so a test that killed it leaves a working server to the next one.
    """

    def __init__(self, runtime: Path):
        self.runtime = runtime
        self.socket = runtime / "native"
        self.env = dict(os.environ, PULSE_RUNTIME_PATH=str(runtime), XDG_RUNTIME_DIR=str(runtime),
                        PULSE_STATE_PATH=str(runtime))
        self.env.pop("PULSE_SERVER", None)
        self.client = {
            "PULSE_RUNTIME_PATH": str(runtime),
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_SOURCE": "softphone.monitor",
        }

    def start(self) -> None:
        subprocess.run(
            [
                "pulseaudio", "-D", "--exit-idle-time=-1", "-n", "--system=false",
                "--load=module-null-sink sink_name=softphone",
                f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
                f"--log-target=file:{self.runtime / 'log'}",
            ],
            env=self.env,
            check=True,
            timeout=30,
        )

    def pid(self) -> int | None:
        try:
            return int((self.runtime / "pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        info = subprocess.run(["pactl", "info"], env=dict(self.env, **self.client), capture_output=True, timeout=30)
        return info.returncode == 0

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the daemon with ``sig`` and wait until it is dead (a zombie counts: nobody may reap it here)."""
        pid = self.pid()
        assert pid is not None, "the test's PulseAudio daemon has no pid file"
        os.kill(pid, sig)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                break
            if re.search(r"^State:\s+Z", state, re.M):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the test's PulseAudio daemon (pid {pid}) did not die of signal {sig}")

    def ensure(self) -> None:
        if self.running():
            return
        # a killed daemon leaves its pid file, and its pid may still exist as a zombie: then the new daemon
        # would refuse to start ("Daemon already running")
        (self.runtime / "pid").unlink(missing_ok=True)
        self.start()

    def stop(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env, timeout=30)


@pytest.fixture(scope="session")
def pulse_daemon(tmp_path_factory):
    """The session's private PulseAudio daemon (``PulseDaemon``), started once and stopped at the end."""
    if not shutil.which("pulseaudio") or not shutil.which("paplay"):
        pytest.skip("pulseaudio and paplay are needed for the live capture test")
    daemon = PulseDaemon(tmp_path_factory.mktemp("pulse"))
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def pulse_server(pulse_daemon):
    """The env for clients of the private PulseAudio daemon, running (restarted if an earlier test killed it)."""
    pulse_daemon.ensure()
    return dict(pulse_daemon.client)
