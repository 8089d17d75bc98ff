"""One recognizer stream per channel, fed frame by frame, merged in a deterministic order."""

from __future__ import annotations

from typing import Iterable

from coach.audio.source import AudioFrame
from coach.events import Partial, Utterance
from coach.stt.base import Recognizer


def _order(event: Partial | Utterance, channels: tuple[str, ...]) -> tuple[float, int, int]:
    index = channels.index(event.channel) if event.channel in channels else len(channels)
    return (round(event.t, 6), index, 0 if isinstance(event, Partial) else 1)


class ChannelRecognizers:
    """Feeds each channel of an ``AudioFrame`` to its own stream; events sorted by (t, channel)."""

    def __init__(self, recognizer: Recognizer, channels: Iterable[str], start: float = 0.0):
        self.recognizer = recognizer
        self.channels = tuple(channels)
        self.streams = {ch: recognizer.stream(ch, start) for ch in self.channels}

    def feed(self, frame: AudioFrame) -> list[Partial | Utterance]:
        events: list[Partial | Utterance] = []
        for ch in self.channels:
            samples = frame.samples.get(ch)
            if samples is not None and len(samples):
                events.extend(self.streams[ch].accept(samples))
        return sorted(events, key=lambda e: _order(e, self.channels))

    def finish(self) -> list[Partial | Utterance]:
        events: list[Partial | Utterance] = []
        for ch in self.channels:
            events.extend(self.streams[ch].finish())
        return sorted(events, key=lambda e: _order(e, self.channels))
