"""Starting the Qt side: the live panel, the replay window, and still pictures of either.

Everything here runs in the GUI thread; the pipeline runs in a worker and reaches
the widgets only through ``EventBridge`` (queued signals) or a ``Recording``.
"""

from __future__ import annotations

import coach.ui.qtfix  # noqa: F401  (first: see qtfix; PySide6 6.12 leaks references to None)

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from coach.errors import AudioError, CoachError
from coach.ui.bridge import EventBridge
from coach.ui.pipeline_process import PipelineProcess
from coach.ui.theme import stylesheet
from coach.ui.trace import GuiStallMeter, Trace
from coach.ui.widgets import ANNOUNCE_MS, clock_text


def ensure_display(headless: bool = False) -> None:
    """Headless (or no display at all): use Qt's offscreen platform."""
    if "QT_QPA_PLATFORM" in os.environ:
        return
    if headless or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def quit_on_signals(app: QApplication) -> QTimer:
    """Ctrl-C or SIGTERM closes the window cleanly (the call log is flushed and closed as usual).

    Python runs signal handlers only between bytecodes; a short idle timer gives it the chance.
    """
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    wake = QTimer(app, interval=200)
    wake.timeout.connect(lambda: None)
    wake.start()
    return wake


def make_app(theme: str) -> QApplication:
    sheet = stylesheet(theme)  # a bad --theme fails before a window opens
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("coach")
    app.setDesktopFileName("coach")
    app.setStyleSheet(sheet)
    return app


# ---------------------------------------------------------------------- live


def run_live(args: argparse.Namespace) -> int:
    from coach.session import check_playbook, resolve_call
    from coach.ui.controller import PanelController
    from coach.ui.panel import CoachPanel

    if not args.customer_device and not args.file:
        raise AudioError("coach live needs --customer-device NAME|INDEX (the softphone's output; see `coach devices`) "
                         "or --file CALL to coach a recording paced like a live call.")
    call = resolve_call(args.file) if args.file else None
    if call is not None and not call.exists():
        raise AudioError(f"The recording {call} does not exist; check the path given to --file.")
    check_playbook(args.playbook)  # a broken playbook is reported before any window opens
    ensure_display()
    app = make_app(args.theme)
    panel = CoachPanel(theme=args.theme, compact=args.compact, focusable=args.keys, sound=args.sound)
    controller = PanelController(panel)
    bridge = EventBridge()
    bridge.event.connect(controller.on_event)
    bridge.phase.connect(controller.set_phase)
    bridge.ready.connect(controller.attach)
    errors: list[str] = []

    def failed(message: str) -> None:
        errors.append(message)
        controller.set_phase("failed", "")
        panel.show_notice("error", message)

    bridge.failed.connect(failed)
    panel.show()  # on screen now; the models load in the worker
    from coach.ui.hotkeys import attach as attach_hotkeys

    hotkeys = attach_hotkeys(panel, getattr(args, "hotkeys", "off"))  # X11: Ctrl+Alt+<letter> from any window
    controller.set_phase("loading", "loading speech and classifier models…")
    trace = Trace.from_env()
    if trace.on:
        _trace_live(trace, panel, controller, bridge)
    options = dict(engine=args.engine, vosk_model=args.vosk_model, playbook=args.playbook,
                   endpoint_silence=args.endpoint_silence, log=not args.no_log)
    if call is not None:
        kind, target = "file", str(call)
        options.update(realtime=True, customer_channel=args.customer_channel)
    else:
        kind, target = "devices", (args.customer_device, args.agent_device)
        options.update(next_call=not args.quit_after_call)  # X ends the call; the next speech starts the next one
    # The pipeline runs in its own process: loading and running the models there never blocks this GUI thread.
    pipeline = PipelineProcess(kind, target, options, deliver=bridge.sink,
                               on_phase=lambda why: bridge.phase.emit("loading", why),
                               on_ready=bridge.ready.emit, on_failed=bridge.failed.emit,
                               on_finished=bridge.finished.emit)
    quit_on_signals(app)
    if args.quit_after_call:
        bridge.finished.connect(lambda: QTimer.singleShot(1500, app.quit))
    try:
        app.exec()
    finally:
        if hotkeys is not None:
            hotkeys.stop()
        pipeline.stop()
        pipeline.join()
        for log_path in pipeline.log_paths:
            print(f"coach: call log written to {log_path}", file=sys.stderr)
        trace.close()
    if errors:
        raise CoachError(errors[0])
    return 0


def _trace_live(trace: Trace, panel: Any, controller: Any, bridge: EventBridge) -> None:
    """Benchmark timings: window shown, models ready, each step shown (GUI), GUI stalls.

    The pipeline process notes when it emitted each step (``step_emitted``) in the same file.
    """
    from coach.events import CallEnded, Classified, DeviceStatus

    from coach.ui.trace import GcPauses

    trace.mark("shown", exposed=panel.isVisible())
    stalls = GuiStallMeter(parent=panel)
    stalls.start()
    gc_pauses = GcPauses().install()

    def ready(_session: Any) -> None:
        trace.mark("ready", max_gap_while_loading_ms=stalls.max_gap_ms)
        stalls.mark()
        gc_pauses.reset()

    def shown(step: str) -> None:  # GUI thread: the panel now shows it
        trace.mark("step_shown", step=step, t=controller.state.step.since if controller.state.step else None)

    def ended(event: Any) -> None:  # connected after the controller: the panel already shows the event
        if isinstance(event, Classified):
            u = event.utterance
            trace.mark("utterance_shown", channel=u.channel, text=u.text, start=u.start, end=u.end)
        elif isinstance(event, DeviceStatus):
            banner = panel.device_banner
            trace.mark("device_shown", channel=event.channel, state=event.state, t=event.t,
                       banner=banner.text() if banner.isVisibleTo(panel) else "", level=banner.property("level"))
        elif isinstance(event, CallEnded):
            trace.mark("gui_stalls", max_gap_ms=stalls.max_gap_ms, worst_at=stalls.worst_at,
                       max_gap_during_call_ms=stalls.max_gap_since_mark_ms, ticks=stalls.ticks,
                       worst_gap_gui_cpu_ms=stalls.worst_cpu_ms, worst_gap_run_queue_ms=stalls.worst_run_queue_ms, max_gui_cpu_in_a_gap_ms=stalls.max_cpu_since_mark_ms,
                       gaps_over_50_ms=stalls.gaps_over_50_since_mark, gc=gc_pauses.summary())

    bridge.ready.connect(ready)
    bridge.event.connect(ended)
    controller.step_shown.connect(shown)


# ---------------------------------------------------------------------- replay


def _replay_session(args: argparse.Namespace, call: Path, sinks: list[Any]):
    from coach.session import open_session_for_file

    return open_session_for_file(call, realtime=False, engine=args.engine, vosk_model=args.vosk_model,
                                 customer_channel=args.customer_channel, playbook=args.playbook, sinks=sinks,
                                 endpoint_silence=args.endpoint_silence, log=False,
                                 on_choice=lambda why: print(f"coach: {why}", file=sys.stderr))


def _checked_call(args: argparse.Namespace) -> Path:
    from coach.session import check_playbook, resolve_call

    call = resolve_call(args.call)
    if not call.exists():
        raise AudioError(f"The recording {call} does not exist; give the path of a recorded call (or 'demo').")
    check_playbook(args.playbook)
    return call


def run_replay(args: argparse.Namespace) -> int:
    from coach.audio.source import SAMPLE_RATE, load_audio
    from coach.ui.audio_out import AudioPlayer
    from coach.ui.recording import Recording
    from coach.ui.replay_window import ReplayWindow

    call = _checked_call(args)
    if args.screenshot:
        return screenshot(args, call)
    audio = load_audio(call, args.customer_channel)  # an unreadable file fails here, before a window opens
    ensure_display()
    app = make_app(args.theme)
    recording = Recording()
    player = None if args.no_audio else AudioPlayer(audio)
    window = ReplayWindow(recording, title=call.name, theme=args.theme, compact=args.compact, player=player)
    window.duration_hint = max(len(x) for x in audio.values()) / SAMPLE_RATE
    if player is not None and player.problem:
        print(f"coach: {player.problem}", file=sys.stderr)
    window.show()
    options = dict(realtime=False, engine=args.engine, vosk_model=args.vosk_model, customer_channel=args.customer_channel,
                   playbook=args.playbook, endpoint_silence=args.endpoint_silence, log=False)
    # the analysis runs in its own process: the display and the sound stay smooth while the models work
    analysis = PipelineProcess("file", str(call), options, deliver=recording, on_failed=recording.fail,
                               on_phase=lambda why: print(f"coach: {why}", file=sys.stderr))
    quit_on_signals(app)
    window.seek(args.at or 0.0)
    if args.speed:
        window.transport.speed.setCurrentIndex(window.transport.speed.findData(args.speed))
    if not args.paused:
        window.set_playing(True)
    try:
        app.exec()
    finally:
        analysis.stop()
        analysis.join()
        if player is not None:
            player.close()
    return 0


def screenshot(args: argparse.Namespace, call: Path) -> int:
    """``--screenshot``: analyse the call up to ``--at`` (fast), save the panel (or replay window) as it stood then."""
    at = float(args.at or 0.0)
    recording = analyse_call(args, call, until=None if args.window == "replay" else at + 4.0)
    end = recording.duration
    if at > end + 0.5:  # the analysis reached the end of the call before --at
        print(f"coach: --at {at:g} s is past the end of {call.name} ({clock_text(end)}); picturing the end of the call",
              file=sys.stderr)
        at = end
    out = Path(args.screenshot)
    save_picture(recording, out, at=at, theme=args.theme, compact=args.compact, window=args.window, title=call.name)
    print(f"coach: screenshot of {call.name} at {at:.1f} s written to {out}", file=sys.stderr)
    return 0


def analyse_call(args: argparse.Namespace, call: Path, until: float | None = None):
    """The replay's analysis, on this thread: a ``Recording`` of the call (up to ``until`` s, or all of it)."""
    from coach.ui.recording import Recording

    recording = Recording()
    box: dict[str, Any] = {}

    def stop_when_past(event: Any) -> None:  # the fold at `at` needs nothing later than a few seconds after it
        if until is not None and getattr(event, "t", 0.0) > until and "session" in box:
            box["session"].stop()

    session = _replay_session(args, call, [recording, stop_when_past])
    box["session"] = session
    session.run()
    return recording


def save_picture(recording: Any, out: Path, *, at: float, theme: str = "dark", compact: bool = False,
                 window: str = "panel", title: str = "") -> None:
    """Render the panel (``window="panel"``) or the replay window at call time ``at`` to a PNG, offscreen."""
    from coach.ui.panel import CoachPanel
    from coach.ui.replay_window import ReplayWindow

    ensure_display(headless=True)
    app = make_app(theme)
    if window == "replay":
        widget = ReplayWindow(recording, title=title, theme=theme, compact=compact)
        widget.seek(at)
        panel = widget.panel
    else:
        widget = panel = CoachPanel(theme=theme, compact=compact, remember=False)
        panel.show_state(recording.state_at(at)[1])
    widget.show()
    app.processEvents()
    state = panel.state
    if state.step is None or state.time_in_step * 1000 > ANNOUNCE_MS:
        panel.step_card.settle()
    if compact and window == "panel":
        widget.adjustSize()
    app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = widget.grab().save(str(out))
    widget.close()
    if not ok:
        raise CoachError(f"Cannot write the screenshot {out}; check that the folder is writable and the name ends in .png.")
