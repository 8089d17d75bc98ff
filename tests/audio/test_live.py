"""Live capture through a real PulseAudio server: a call played into a null sink is transcribed.

The test starts its own PulseAudio daemon (``pulse_server``) with a null sink named
``softphone``, plays a rendered customer line into it with ``paplay``, and captures
the sink's monitor through sounddevice's ``pulse`` device, as coach does on an agent's
desktop with the softphone's output.

PortAudio is never opened in the pytest process: every capture and device look-up runs
in a child process (``live_child``), so a native crash there fails that test with the
signal and the child's stderr instead of ending the whole run.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading

import pytest
import soundfile as sf
from live_child import ChildDied, LiveChild, call_in_child

from coach.events import DeviceStatus, Utterance

pytestmark = pytest.mark.live


@pytest.fixture
def pulse_env(pulse_server, monkeypatch):
    """This server for the children (each child's PortAudio lists the devices afresh)."""
    for key, value in pulse_server.items():
        monkeypatch.setenv(key, value)
    return pulse_server


@pytest.fixture(scope="module")
def customer_line(short_call, tmp_path_factory) -> tuple:
    """The customer's channel of the short call, as a mono WAV with its own text."""
    from coach.demo import call_timings

    data, rate = sf.read(str(short_call), always_2d=True)
    line = next(t for t in call_timings(short_call) if t["speaker"] == "customer")
    clip = data[int((line["start"] - 0.3) * rate) : int((line["end"] + 1.2) * rate), 1]
    path = tmp_path_factory.mktemp("live") / "customer.wav"
    sf.write(str(path), clip, rate)
    return path, line["text"]


def test_devices_list_the_pulse_input(pulse_env):
    devices, pulse = call_in_child(["list_devices"], ["resolve_device", "pulse"])
    assert "pulse" in [d["name"] for d in devices["ok"]]
    assert pulse["ok"]["name"] == "pulse"
    (by_index,) = call_in_child(["resolve_device", str(pulse["ok"]["index"])])
    assert by_index["ok"]["name"] == "pulse"


def test_unknown_device_names_the_available_ones(pulse_env):
    by_name, by_index = call_in_child(["resolve_device", "Headset That Is Not There"], ["resolve_device", "999"])
    kind, message = by_name["error"]
    assert kind == "AudioError"
    assert "Headset That Is Not There" in message and "pulse" in message and "\n" not in message
    assert by_index["error"][0] == "AudioError" and "no input device with index 999" in by_index["error"][1]


def _play_and_hear(capture, wav, what: str) -> Utterance:
    """Play ``wav`` into the softphone sink and wait for the capture child's next utterance."""
    subprocess.run(["paplay", "--device=softphone", str(wav)], check=True, timeout=60)
    return capture.wait_for(lambda item: isinstance(item, Utterance), 60, what)


@pytest.mark.slow
def test_call_played_into_the_softphone_sink_is_transcribed(pulse_env, customer_line):
    wav, text = customer_line
    capture = LiveChild("pulse", recognizer="whisper", frame_seconds=0.1)
    try:
        capture.wait_for(lambda item: isinstance(item, tuple), 90, "audio from the pulse device")
        heard = _play_and_hear(capture, wav, "utterance")
    finally:
        capture.close()
    assert heard.channel == "customer" and heard.end > heard.start > 0
    words = set(re.findall(r"[a-z]+", heard.text.lower()))
    expected = set(re.findall(r"[a-z]+", text.lower()))
    assert len(words & expected) >= len(expected) - 1, (heard.text, text)
    assert capture.overflows == {"customer": 0}
    assert not [s for s in capture.statuses if s.state == "overflow"]


def test_full_queue_drops_and_counts_without_blocking(pulse_env):
    # room for 4 blocks; the child hands the stream's callback 7 blocks before it starts reading
    capture = LiveChild("pulse", prefill=7, frame_seconds=0.1, queue_seconds=0.1)
    try:
        first = capture.wait_for(lambda item: True, 30, "first item")
        assert capture.prefilled == {"customer": 3}
        assert isinstance(first, DeviceStatus) and first.state == "overflow"
        assert "3 audio block" in first.message
    finally:
        capture.close()


def test_a_native_crash_in_the_capture_fails_one_test_with_the_signal_and_the_stack(pulse_env):
    capture = LiveChild("pulse", frame_seconds=0.1, crash_after=3)
    with pytest.raises(ChildDied) as died:
        capture.wait_for(lambda item: False, 60, "the child to die")
    message = str(died.value)
    assert "died of signal 11 (SIGSEGV)" in message
    assert "Fatal Python error: Segmentation fault" in message and "_child_capture" in message  # faulthandler's stack
    assert len(capture.frame_times) == 3


def test_live_cli_with_an_unknown_device_is_one_clear_error(pulse_env):
    run = subprocess.run([sys.executable, "-X", "faulthandler", "-m", "coach", "transcribe", "--live",
                          "--customer-device", "nosuchdevice"], capture_output=True, text=True, timeout=120)
    err = run.stderr.strip().splitlines()
    assert run.returncode == 2, run.stderr
    assert len(err) == 1 and "nosuchdevice" in err[0] and "pulse" in err[0] and "Traceback" not in err[0]


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_coach_transcribe_live_until_ctrl_c(pulse_env, customer_line, stop):
    """The command a user runs: `coach transcribe --live --customer-device pulse`, stopped with Ctrl-C
    (or SIGTERM, as a service manager stops it): the utterance heard is printed, the exit is clean."""
    import json
    import os
    import queue
    import signal
    import sys
    from collections import deque

    wav, text = customer_line
    env = dict(os.environ, **pulse_env, HF_HUB_OFFLINE="1")

    def default_sigint() -> None:
        # Started in the background without job control (`nohup scripts/test &`), the test run and so
        # its children inherit SIGINT ignored, and Python then installs no Ctrl-C handler: as a user's
        # shell would, give coach the default disposition (a fresh clone's run this way failed twice).
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    coach = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "coach", "transcribe", "--live", "--customer-device", "pulse",
         "--json", "--engine", "whisper"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )
    stderr: deque[str] = deque(maxlen=2000)  # read as it comes (a full pipe would block coach's writes); the end
    listening = threading.Event()  # coach says so once audio from the device arrives: no guessing start-up time

    def read_stderr() -> None:
        for text_line in coach.stderr:
            stderr.append(text_line)
            if text_line.startswith("coach: listening"):
                listening.set()
        listening.set()  # coach ended: stop waiting, the checks below say why

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    out: queue.Queue[str] = queue.Queue()

    def read_stdout() -> None:
        for text_line in coach.stdout:
            out.put(text_line)
        out.put("")  # coach ended

    stdout_reader = threading.Thread(target=read_stdout, daemon=True)
    stdout_reader.start()

    def abort_coach() -> None:  # a hung run fails the test instead of blocking CI, with faulthandler's stacks
        coach.send_signal(signal.SIGABRT)

    def ended() -> str:
        try:
            coach.wait(timeout=120)
        except subprocess.TimeoutExpired:  # still running: its stacks say where it hangs
            abort_coach()
            coach.wait(timeout=30)
            reader.join(10)
            pytest.fail(f"coach did not end within 120 s of {signal.Signals(stop).name}; its stderr, with faulthandler's stacks:\n{''.join(stderr)[-8000:]}")
        reader.join(10)
        return "".join(stderr)

    watchdog = threading.Timer(600, abort_coach)
    watchdog.start()
    try:
        listening.wait(240)
        if coach.poll() is not None or not any(x.startswith("coach: listening") for x in stderr):
            err = ended() if coach.poll() is not None else "".join(stderr)
            pytest.fail(f"coach never said it was listening (exit status {coach.poll()}); its stderr:\n{err[-8000:]}")
        subprocess.run(["paplay", "--device=softphone", str(wav)], env=env, check=True, timeout=60)
        try:
            line = out.get(timeout=120)  # the utterance, once final
        except queue.Empty:
            line = ""
        if not line:
            err = ended() if coach.poll() is not None else "".join(stderr)
            pytest.fail(f"coach printed no utterance (exit status {coach.poll()}); its stderr:\n{err[-8000:]}")
        first = json.loads(line)
        coach.send_signal(stop)
        stdout_reader.join(60)
        err = ended()
    finally:
        watchdog.cancel()
        if coach.poll() is None:
            coach.kill()
    assert coach.returncode == 0, err
    assert first["type"] == "utterance" and first["channel"] == "customer"
    assert "internet" in first["text"].lower(), (first, text)
    assert "speech engine whisper" in err and "coach: listening" in err and "Traceback" not in err


# --------------------------------------------------------------------------- device trouble


def _sink_module(env_sink: str = "softphone") -> str:
    out = subprocess.run(["pactl", "list", "short", "modules"], capture_output=True, text=True, check=True).stdout
    return next(line.split("\t")[0] for line in out.splitlines() if f"sink_name={env_sink}" in line)


def _status(state):
    return lambda item: isinstance(item, DeviceStatus) and item.state == state


@pytest.mark.slow
def test_a_vanished_source_is_reported_reopened_by_name_and_transcribed_after(pulse_env, customer_line):
    wav, text = customer_line
    capture = LiveChild("pulse", recognizer="whisper", frame_seconds=0.1)
    reloaded = False
    try:
        capture.wait_for(lambda item: isinstance(item, tuple), 90, "audio from the pulse device")
        before = _play_and_hear(capture, wav, "utterance before the loss")

        subprocess.run(["pactl", "unload-module", _sink_module()], check=True, timeout=30)  # the softphone vanishes
        lost = capture.wait_for(_status("lost"), 30, "'lost' status")
        assert lost.message.startswith("Customer audio lost") and "softphone.monitor" in lost.message
        assert lost.t >= before.end
        # while it is away, call time runs on (silence), so timers and the transcript's clock stay continuous
        capture.wait_for(lambda item: isinstance(item, tuple) and item[1] > lost.t + 1.0, 30, "silence during the loss")

        subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=softphone"], check=True, timeout=30)
        reloaded = True
        back = capture.wait_for(_status("recovered"), 30, "'recovered' status")
        assert back.t > lost.t + 1.0 and back.message.startswith("Customer audio is back")
        after = _play_and_hear(capture, wav, "utterance after the recovery")
    finally:
        if not reloaded:
            subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=softphone"], timeout=30)
        capture.close()
    assert after.start > back.t - 0.5, (after, back)
    for heard in (before, after):
        assert "internet" in heard.text.lower(), (heard.text, text)
    times = capture.frame_times
    assert all(b > a for a, b in zip(times, times[1:])), "call time went backwards"


def test_a_pulse_source_by_name_and_silence_for_long_then_sound_again(pulse_env, customer_line, monkeypatch):
    """`--customer-device softphone.monitor` (as the README says) reads that source even when the default is another."""
    wav, _ = customer_line
    monkeypatch.delenv("PULSE_SOURCE")
    other = subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=elsewhere"], capture_output=True,
                           text=True, check=True).stdout.strip()
    subprocess.run(["pactl", "set-default-source", "elsewhere.monitor"], check=True)
    try:
        device, pulse, devices = call_in_child(["resolve_device", "softphone.monitor"], ["resolve_device", "pulse"],
                                               ["list_devices"])
        assert device["ok"]["pulse_source"] == "softphone.monitor" and device["ok"]["index"] == pulse["ok"]["index"]
        assert "softphone.monitor" in [d["name"] for d in devices["ok"]]
        capture = LiveChild("softphone.monitor", frame_seconds=0.1, silent_seconds=1.0)
        try:
            silent = capture.wait_for(_status("silent"), 30, "'silent' status")  # a null sink's monitor is all zeros
            assert "No sound from the customer device 'softphone.monitor'" in silent.message and silent.t >= 1.0
            subprocess.run(["paplay", "--device=softphone", str(wav)], check=True, timeout=60)
            ok = capture.wait_for(_status("ok"), 30, "'ok' status once sound came")  # heard: it reads softphone.monitor
            assert ok.t > silent.t
        finally:
            capture.close()
    finally:
        subprocess.run(["pactl", "set-default-source", "softphone.monitor"], check=True)
        subprocess.run(["pactl", "unload-module", other], check=True)


def test_a_silent_microphone_is_told_to_check_the_microphone_not_the_softphone(pulse_env):
    """`--agent-device agentmic.monitor`: the agent's side, silent for long, gets advice about a microphone."""
    mic = subprocess.run(["pactl", "load-module", "module-null-sink", "sink_name=agentmic"], capture_output=True,
                         text=True, check=True).stdout.strip()
    try:
        capture = LiveChild("softphone.monitor", agent_device="agentmic.monitor", frame_seconds=0.1, silent_seconds=1.0)
        try:
            def silent(channel):
                return next((s for s in capture.statuses if s.state == "silent" and s.channel == channel), None)

            capture.wait_for(lambda i: silent("agent") and silent("customer"), 30, "both sides' 'silent'")
            agent, customer = silent("agent"), silent("customer")
        finally:
            capture.close()
    finally:
        subprocess.run(["pactl", "unload-module", mic], check=True)
    assert "No sound from the agent device 'agentmic.monitor'" in agent.message
    assert "microphone" in agent.message and "muted" in agent.message and "softphone" not in agent.message
    assert "check that the softphone plays into it" in customer.message


def test_a_stream_that_ends_is_reported_and_reopened_without_the_sound_server_watch(pulse_env):
    """The generic path (no pactl): PortAudio ends a stream whose device failed; coach reopens it by name."""
    capture = LiveChild("pulse", frame_seconds=0.1, watch_server=False)
    try:
        capture.wait_for(lambda item: isinstance(item, tuple), 30, "audio from the pulse device")
        capture.send("abort")  # the child aborts the stream: what PortAudio does when the device errors out
        lost = capture.wait_for(_status("lost"), 30, "'lost' status")
        assert "stopped delivering audio" in lost.message
        back = capture.wait_for(_status("recovered"), 30, "'recovered' status")
        assert back.t >= lost.t
        capture.wait_for(lambda item: isinstance(item, tuple) and item[1] > back.t + 0.5, 30, "audio after reopening")
    finally:
        capture.close()
    times = capture.frame_times
    assert all(b > a for a, b in zip(times, times[1:])), "call time went backwards"


def _server_gone(item) -> bool:
    return isinstance(item, DeviceStatus) and item.state == "lost" and "sound server" in item.message


@pytest.mark.slow
def test_the_sound_server_killed_mid_call_is_said_once_the_call_goes_on_and_recovers(pulse_env, pulse_daemon,
                                                                                      customer_line):
    """PulseAudio dies of SIGKILL (no goodbye to its clients) after an utterance: coach says so in one sentence,
    keeps call time running, reconnects when a fresh server is there, and the capture still ends on stop."""
    wav, text = customer_line
    capture = LiveChild("pulse", recognizer="whisper", frame_seconds=0.1)
    try:
        capture.wait_for(lambda item: isinstance(item, tuple), 90, "audio from the pulse device")
        before = _play_and_hear(capture, wav, "utterance before the kill")
        statuses_before = len(capture.statuses)

        pulse_daemon.kill(signal.SIGKILL)
        gone = capture.wait_for(_server_gone, 30, "'lost' status naming the sound server")
        assert gone.channel == "customer" and "went away" in gone.message and "pactl info" in gone.message
        assert "\n" not in gone.message and gone.t >= before.end
        # the capture thread is not stuck: call time runs on (silence) while the server is away
        capture.wait_for(lambda item: isinstance(item, tuple) and item[1] > gone.t + 2.0, 30, "silence while away")

        pulse_daemon.ensure()  # a fresh server, with the softphone sink again
        back = capture.wait_for(_status("recovered"), 60, "'recovered' status once the server is back")
        after = _play_and_hear(capture, wav, "utterance after the recovery")
    finally:
        pulse_daemon.ensure()
        capture.close()  # the child must end cleanly on stop (a hang fails here, with every thread's stack)
    outage = capture.statuses[statuses_before:capture.statuses.index(back)]
    assert [s for s in outage if _server_gone(s)] == [gone], outage  # said once
    assert outage[-1] == gone, outage  # and it is what the panel shows until the audio is back
    assert after.start > back.t - 0.5 and back.t > gone.t
    for heard in (before, after):
        assert "internet" in heard.text.lower(), (heard.text, text)
    times = capture.frame_times
    assert all(b > a for a, b in zip(times, times[1:])), "call time went backwards"
    assert "Traceback" not in capture.stderr()


def test_a_reopen_that_hangs_never_holds_up_the_call_nor_its_end(pulse_env):
    """A reopen that never returns (as PortAudio's can when the sound server died) runs on its own thread: frames
    keep coming, the user is told after OPEN_WAIT, and stop still ends the capture."""
    capture = LiveChild("pulse", frame_seconds=0.1, watch_server=False, hang_reopen=2.0)
    try:
        capture.wait_for(lambda item: isinstance(item, tuple), 30, "audio from the pulse device")
        capture.send("abort")  # the stream ends; its reopen hangs
        lost = capture.wait_for(_status("lost"), 30, "'lost' status")
        assert "stopped delivering audio" in lost.message
        hung = capture.wait_for(_status("lost"), 30, "'lost' status for the reopen that hangs")
        assert "has not returned for 2 s" in hung.message and "pactl info" in hung.message
        capture.wait_for(lambda item: isinstance(item, tuple) and item[1] > hung.t + 1.0, 30, "silence after that")
    finally:
        capture.close()
    assert not [s for s in capture.statuses if s.state == "recovered"]


def test_live_cli_while_the_sound_server_is_down_is_one_clear_error(pulse_env, pulse_daemon):
    pulse_daemon.kill(signal.SIGKILL)
    run = subprocess.run([sys.executable, "-X", "faulthandler", "-m", "coach", "transcribe", "--live",
                          "--customer-device", "pulse"], capture_output=True, text=True, timeout=120)
    pulse_daemon.ensure()
    err = run.stderr.strip().splitlines()
    assert run.returncode == 2, run.stderr
    assert len(err) == 1 and "Traceback" not in err[0], run.stderr
    assert "no input device named 'pulse'" in err[0] and "sound server" in err[0] and "pactl info" in err[0]


@pytest.mark.slow
def test_a_call_whose_sound_server_dies_still_ends_on_stop_with_its_call_log_whole(pulse_env, pulse_daemon,
                                                                                    customer_line):
    """The whole live call (capture, recognizer, playbook, call log) while PulseAudio is dead and not back: stop
    (Ctrl-C) still ends it, and the log has what was said before, the sound server's loss, and the end."""
    import json

    wav, _ = customer_line
    call = LiveChild("pulse", recognizer="whisper", session=True)
    try:
        # `pactl subscribe` would tell when the stream is up; the session says nothing before speech, so play
        # until the first utterance comes
        heard = None
        for _ in range(3):
            subprocess.run(["paplay", "--device=softphone", str(wav)], check=True, timeout=60)
            try:
                heard = call.wait_for(lambda item: isinstance(item, Utterance), 30, "utterance before the kill")
                break
            except ChildDied:
                raise
            except AssertionError:  # played before the stream was up
                continue
        assert heard is not None, "no utterance from three plays of the customer's line"
        pulse_daemon.kill(signal.SIGKILL)
        gone = call.wait_for(_server_gone, 30, "'lost' status naming the sound server")
    finally:
        call.close()  # stop while the server is still dead: the child must end cleanly
        pulse_daemon.ensure()
    log = [json.loads(line) for line in open(call.log_path, encoding="utf-8")]
    kinds = [entry["type"] for entry in log]
    said = [entry for entry in log if entry["type"] == "utterance"]
    assert said and said[0]["text"] == heard.text, kinds
    lost = [entry for entry in log if entry["type"] == "device" and entry["state"] == "lost"]
    assert lost and lost[-1]["message"] == gone.message
    assert kinds[-1] == "call_ended" and log[-1]["reason"] == "stopped", log[-1]
