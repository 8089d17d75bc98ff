"""One recognizer stream per channel, fed frame by frame, merged in a deterministic order.

Each stream's events are already in causal order (a partial, then the final that
closes it), but not in order of ``t``: a final is stamped with the end of its speech,
which is earlier than a partial decoded during the silence that ended it. So the
channels are merged by ``t`` without reordering any one channel's events.
"""

from __future__ import annotations

import heapq
from typing import Iterable

from coach.audio.source import AudioFrame
from coach.events import Partial, Utterance
from coach.stt.base import Recognizer


def _merge(per_channel: list[list[Partial | Utterance]]) -> list[Partial | Utterance]:
    """Merge by (t, channel order), keeping each channel's own order (``heapq.merge`` is stable)."""
    keyed = ([(round(e.t, 6), i, e) for e in events] for i, events in enumerate(per_channel))
    return [e for _t, _i, e in heapq.merge(*keyed, key=lambda k: (k[0], k[1]))]


class ChannelRecognizers:
    """Feeds each channel of an ``AudioFrame`` to its own stream; events merged by (t, channel)."""

    def __init__(self, recognizer: Recognizer, channels: Iterable[str], start: float = 0.0):
        self.recognizer = recognizer
        self.channels = tuple(channels)
        self.streams = {ch: recognizer.stream(ch, start) for ch in self.channels}

    def feed(self, frame: AudioFrame) -> list[Partial | Utterance]:
        per_channel: list[list[Partial | Utterance]] = []
        for ch in self.channels:
            samples = frame.samples.get(ch)
            per_channel.append(self.streams[ch].accept(samples) if samples is not None and len(samples) else [])
        return _merge(per_channel)

    def finish(self) -> list[Partial | Utterance]:
        return _merge([self.streams[ch].finish() for ch in self.channels])
