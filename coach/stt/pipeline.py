"""One recognizer stream per channel, fed frame by frame, merged in a deterministic order.

Each stream's events are already in causal order (a partial, then the final that
closes it), but not in order of ``t``: a final is stamped with the end of its speech,
which is earlier than a partial decoded during the silence that ended it. So the
channels are merged by ``t`` without reordering any one channel's events.
"""

from __future__ import annotations

import heapq
from typing import Iterable, Mapping

from coach.audio.source import AudioFrame
from coach.events import CUSTOMER, Partial, Utterance
from coach.stt.base import Recognizer


def _merge(per_channel: list[list[Partial | Utterance]]) -> list[Partial | Utterance]:
    """Merge by (t, channel order), keeping each channel's own order (``heapq.merge`` is stable)."""
    keyed = ([(round(e.t, 6), i, e) for e in events] for i, events in enumerate(per_channel))
    return [e for _t, _i, e in heapq.merge(*keyed, key=lambda k: (k[0], k[1]))]


class ChannelRecognizers:
    """Feeds each channel of an ``AudioFrame`` to its own stream; events merged by (t, channel)."""

    def __init__(self, recognizer: Recognizer, channels: Iterable[str], start: float | Mapping[str, float] = 0.0):
        """``start``: the time of each stream's first sample (one for all, or per channel)."""
        self.recognizer = recognizer
        self.channels = tuple(channels)
        starts = start if isinstance(start, Mapping) else dict.fromkeys(self.channels, start)
        self.streams = {ch: recognizer.stream(ch, float(starts.get(ch, 0.0))) for ch in self.channels}

    def feed(self, frame: AudioFrame) -> list[Partial | Utterance]:
        """The events this frame caused, merged by (t, channel order).

        The customer's stream runs first, so a decode on the agent's side never delays the
        customer's final within a frame; while the customer is speaking, the other streams
        make no partials (if their engine supports holding them, as Whisper's does). The
        merged order does not depend on the processing order.
        """
        out: dict[str, list[Partial | Utterance]] = {}
        for ch in sorted(self.channels, key=lambda c: c != CUSTOMER):
            stream = self.streams[ch]
            if ch != CUSTOMER and CUSTOMER in out and hasattr(stream, "hold_partials"):
                stream.hold_partials = bool(getattr(self.streams[CUSTOMER], "in_speech", False))
            samples = frame.samples.get(ch)
            out[ch] = stream.accept(samples) if samples is not None and len(samples) else []
        return _merge([out[ch] for ch in self.channels])

    def finish(self) -> list[Partial | Utterance]:
        return _merge([self.streams[ch].finish() for ch in self.channels])
