"""Rendered demo calls: a text call script spoken by espeak-ng into a stereo WAV.

The demo call, test fixtures and benchmarks are all made by this module, so no
binary audio is kept in git. A script is a list of lines::

    # a comment
    agent: Thank you for calling, this is Sam.
    customer [angry]: I have called three times already!
    pause 1.5

``render_call`` speaks each line with the speaker's espeak-ng voice (band-limited
like a phone line by sox), places the lines one after another with natural gaps
on channel 0 (agent) or 1 (customer), and records when each line's speech starts
and ends in call time (written next to the WAV as ``<wav>.json``): the benchmarks
measure recognition latency from those ends.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from coach.errors import AudioError
from coach.paths import ASSETS_DIR

SPEAKERS = ("agent", "customer")

# espeak-ng voice, words per minute, amplitude (0-200) per speaker and style.
VOICES = {
    ("agent", ""): ("en-us+m3", 160, 100),
    ("customer", ""): ("en-us+f3", 165, 110),
    ("customer", "angry"): ("en-us+f3", 180, 150),
    ("customer", "calm"): ("en-us+f3", 155, 100),
    ("agent", "calm"): ("en-us+m3", 150, 100),
}

_LINE = re.compile(r"^(?P<speaker>agent|customer)\s*(?:\[(?P<style>[a-z]+)\])?\s*:\s*(?P<text>.+)$", re.I)
_PAUSE = re.compile(r"^pause\s+(?P<seconds>\d+(?:\.\d+)?)\s*$", re.I)


@dataclass(frozen=True)
class Line:
    """One line of a call script: speech (``speaker``, ``text``, ``style``) or a pause."""

    speaker: str | None
    text: str = ""
    style: str = ""
    pause: float = 0.0


def parse_call_script(text: str, source: str = "<script>") -> list[Line]:
    lines: list[Line] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if m := _PAUSE.match(line):
            lines.append(Line(None, pause=float(m["seconds"])))
        elif m := _LINE.match(line):
            lines.append(Line(m["speaker"].lower(), m["text"].strip(), (m["style"] or "").lower()))
        else:
            raise AudioError(
                f"{source}:{number}: cannot read '{line[:40]}'; write 'agent: ...', 'customer: ...' or 'pause SECONDS'."
            )
    return lines


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise AudioError(f"{tool} is not installed; install it (e.g. `apt-get install {tool}`) to render demo calls.")
    return found


def _speak(line: Line, workdir: Path, index: int, sample_rate: int, voices: dict | None = None) -> np.ndarray:
    """One line as float32 mono at ``sample_rate``, trimmed to its audible speech."""
    import soundfile as sf

    voices = voices or VOICES
    voice, wpm, amp = voices.get((line.speaker, line.style), voices[(line.speaker or "agent", "")])
    raw = workdir / f"{index:04d}-raw.wav"
    out = workdir / f"{index:04d}.wav"
    subprocess.run(
        [_need("espeak-ng"), "-v", voice, "-s", str(wpm), "-a", str(amp), "-w", str(raw), line.text],
        check=True,
        capture_output=True,
    )
    # Phone-line band (300-3400 Hz) and the target rate, the way a softphone would deliver it.
    # -D: no (random) dither, so the same script and seed render the same samples.
    subprocess.run(
        [_need("sox"), "-D", str(raw), "-r", str(sample_rate), "-c", "1", "-b", "16", str(out),
         "highpass", "300", "lowpass", "3400"],
        check=True,
        capture_output=True,
    )
    x, _ = sf.read(str(out), dtype="float32")
    return _trim(x, sample_rate)


def _trim(x: np.ndarray, rate: int, threshold: float = 0.01) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > threshold)
    if len(loud) == 0:
        return x[:0]
    pad = int(0.01 * rate)
    return x[max(0, loud[0] - pad) : loud[-1] + pad + 1]


def render_call(
    lines_or_script_path: Iterable[Line] | str | Path,
    out_wav: str | Path,
    *,
    sample_rate: int = 16000,
    seed: int = 0,
    voices: dict | None = None,
) -> list[dict]:
    """Render a call script to a stereo WAV (ch0 agent, ch1 customer); returns the line timings.

    ``voices`` replaces ``VOICES`` (e.g. Korean voices for the Vosk benchmark).

    Each entry is ``{"speaker", "text", "start", "end"}`` in call-time seconds of the
    audible speech. The same list is written to ``out_wav + ".json"``.
    """
    import soundfile as sf

    if isinstance(lines_or_script_path, (str, Path)):
        script = Path(lines_or_script_path)
        lines = parse_call_script(script.read_text(encoding="utf-8"), str(script))
    else:
        lines = list(lines_or_script_path)
    rng = np.random.default_rng(seed)
    out_wav = Path(out_wav)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    pieces: list[tuple[int, int, np.ndarray]] = []  # (channel, start sample, audio)
    timings: list[dict] = []
    cursor = int(0.5 * sample_rate)
    previous: str | None = None
    with tempfile.TemporaryDirectory(prefix="coach-render-") as tmp:
        for index, line in enumerate(lines):
            if line.speaker is None:
                cursor += int(line.pause * sample_rate)
                continue
            if previous is not None:
                # A turn change leaves a gap a listener notices; the same speaker goes on sooner.
                gap = rng.uniform(0.6, 1.0) if line.speaker != previous else rng.uniform(0.35, 0.55)
                cursor += int(gap * sample_rate)
            speech = _speak(line, Path(tmp), index, sample_rate, voices)
            channel = SPEAKERS.index(line.speaker)
            pieces.append((channel, cursor, speech))
            timings.append(
                {
                    "speaker": line.speaker,
                    "text": line.text,
                    "start": round(cursor / sample_rate, 3),
                    "end": round((cursor + len(speech)) / sample_rate, 3),
                }
            )
            cursor += len(speech)
            previous = line.speaker
    total = cursor + int(1.0 * sample_rate)
    audio = np.zeros((total, 2), np.float32)
    for channel, begin, speech in pieces:
        audio[begin : begin + len(speech), channel] += speech
    # A faint line hiss, so silence is not digital zero (as on a real call).
    audio += rng.normal(0.0, 0.0015, audio.shape).astype(np.float32)
    tmp_out = out_wav.with_name(out_wav.name + ".part")
    sf.write(str(tmp_out), np.clip(audio, -1, 1), sample_rate, subtype="PCM_16", format="WAV")
    os.replace(tmp_out, out_wav)
    Path(str(out_wav) + ".json").write_text(json.dumps(timings, indent=1), encoding="utf-8")
    return timings


def demo_script_path(name: str = "demo_call") -> Path:
    return ASSETS_DIR / f"{name}.txt"


def demo_call_path(name: str = "demo_call") -> Path:
    """``assets/<name>.wav`` rendered from ``assets/<name>.txt`` on first use (re-rendered if the text is newer)."""
    script = demo_script_path(name)
    wav = ASSETS_DIR / f"{name}.wav"
    meta = Path(str(wav) + ".json")
    if not script.exists():
        raise AudioError(f"The call script {script} is missing; restore it from git.")
    if not (wav.exists() and meta.exists()) or script.stat().st_mtime > wav.stat().st_mtime:
        render_call(script, wav)
    return wav


def call_timings(wav: str | Path) -> list[dict]:
    """The line timings written next to a rendered call."""
    return json.loads(Path(str(wav) + ".json").read_text(encoding="utf-8"))
