"""Rolling per-call signals for the playbook: smoothed anger and its trend, abuse and
cues with their times, who is talking and for how long, silence, the customer's name.

Driven only by events (``on_partial``, ``on_classified``, ``on_tick``) and only by call
time, so the same call gives the same signals live, in replay and in tests. Memory is
bounded: the anger history keeps one window; only the (short) abuse and cue lists grow.

Anger smoothing (customer utterances only; the agent never changes it):

* rising: the level moves at least ``RISE`` (70%) of the way to a hotter utterance, so one
  furious sentence lifts it at once;
* falling: an exponential moving average weighted by the utterance's duration with a
  half-life of ``half_life`` seconds of customer speech, so calm words cool it slowly;
* a time out counts as cooling time: the seconds the customer spent on hold (from the agent's
  hold, or the customer's agreeing to a hold the agent asked for in the last minute, to the
  back-from-hold or the customer's next words)
  are added to the weight of the customer's first utterance after it. The doctrine's time out is
  "30 seconds or so while you are away" in which the customer "may have calmed down": if they come
  back calm, the level falls at once as far as the hold allows; if they come back still angry, it
  stays up (the hold only weighs the new reading, it lowers nothing by itself);
* ``anger_trend``: the change of the level over the last minute of call time, per minute.
"""

from __future__ import annotations

from collections import deque

from coach.classify.names import find_name
from coach.events import CUSTOMER, AbuseEvent, AgentAction, CallSignals, Classified, CueEvent, Partial

RISE = 0.7
TREND_SPAN = 60.0
HISTORY_STEP = 1.0  # at most one tick point per second of call time in the history
HOLD_ASKED_WITHIN = 60.0  # "sure, I can hold" opens a hold only this soon after the agent asked for one


class SignalTracker:
    def __init__(self, anger_window: float = 300.0, half_life: float = 20.0):
        self.anger_window = float(anger_window)
        self.half_life = float(half_life)
        self.t = 0.0
        self.anger = 0.0
        self.sentiment = "neutral"
        self.abuse: list[AbuseEvent] = []
        self.cues: list[CueEvent] = []
        self.talk_time: dict[str, float] = {}
        self.customer_name: str | None = None
        self._name_from_customer = False
        self._open: dict[str, float] = {}  # channel -> start of its open (not yet final) speech
        self._last_speech_end = 0.0
        # a hold the customer has not yet spoken after: its start, and its end (None while it lasts)
        self._hold_start: float | None = None
        self._hold_end: float | None = None
        # (t, level) after each change, plus at most one point a second from ticks
        self._history: deque[tuple[float, float]] = deque([(0.0, 0.0)])

    # ------------------------------------------------------------------ events

    def on_partial(self, p: Partial) -> None:
        """Someone is talking: mark the channel as speaking (silence is 0 meanwhile)."""
        if not p.text.strip():
            return
        self._open.setdefault(p.channel, p.start)
        self._advance(p.end)
        self._last_speech_end = max(self._last_speech_end, p.end)

    def on_classified(self, c: Classified) -> CallSignals:
        u, cls = c.utterance, c.classification
        self._advance(u.end)
        self._open.pop(u.channel, None)
        self._last_speech_end = max(self._last_speech_end, u.end)
        duration = max(u.end - u.start, 0.0)
        self.talk_time[u.channel] = self.talk_time.get(u.channel, 0.0) + duration
        if u.channel == CUSTOMER:
            self.sentiment = cls.sentiment
            self._smooth(float(cls.anger), duration + self._take_hold(u.start))
            if "hold_consent" in cls.cues and self._hold_asked(u.start):
                self._hold_start, self._hold_end = u.end, None  # the agent is about to put them on hold
            if cls.abuse != "none":
                self.abuse.append(AbuseEvent(u.end, cls.abuse, u.text, float(cls.abuse_score), u.start))
        for cue in cls.cues:
            self.cues.append(CueEvent(u.end, cue, u.channel, u.text, u.start))
        name = find_name(u.text, u.channel)
        if name and (u.channel == CUSTOMER or not self._name_from_customer):
            self.customer_name = name
            self._name_from_customer = u.channel == CUSTOMER
        return self._signals(c)

    def on_action(self, a: AgentAction) -> None:
        """The agent put the customer on hold or came back: the time between is a time out."""
        self._advance(a.t)
        if a.action == "hold" and self._hold_start is None:
            self._hold_start, self._hold_end = a.t, None
        elif a.action == "back_from_hold" and self._hold_start is not None:
            self._hold_end = a.t  # later silence is not hold time

    def on_tick(self, t: float) -> CallSignals:
        """Call time moved on: silence grows, the trend window slides."""
        self._advance(t)
        if self.t - self._history[-1][0] >= HISTORY_STEP:
            self._record()
        return self._signals(None)

    # ------------------------------------------------------------------ internals

    def _advance(self, t: float) -> None:
        if t > self.t:
            self.t = t
        cutoff = self.t - max(self.anger_window, TREND_SPAN)
        # keep one point at or before the cutoff: the level that held at the window's start
        while len(self._history) > 1 and self._history[1][0] <= cutoff:
            self._history.popleft()

    def _hold_asked(self, t: float) -> bool:
        """The agent asked to put the customer on hold in the last ``HOLD_ASKED_WITHIN`` seconds.

        Without the question, words the classifier reads as consent ("all right", "okay, fine")
        are agreement to something else, and the silence after them is not hold time.
        """
        return any(c.cue == "hold_request" and c.speaker != CUSTOMER and c.t >= t - HOLD_ASKED_WITHIN for c in self.cues)

    def _take_hold(self, start: float) -> float:
        """Seconds on hold since the customer last spoke (0 if none), up to ``start`` if the hold is still open."""
        if self._hold_start is None:
            return 0.0
        end = self._hold_end if self._hold_end is not None else start
        held = max(end - self._hold_start, 0.0)
        self._hold_start = self._hold_end = None
        return held

    def _smooth(self, anger: float, duration: float) -> None:
        anger = min(max(anger, 0.0), 1.0)
        weight = 1.0 - 0.5 ** (max(duration, 0.5) / self.half_life)
        if anger > self.anger:
            weight = max(weight, RISE)
        self.anger += weight * (anger - self.anger)
        self._record()

    def _record(self) -> None:
        if self._history[-1][0] == self.t:
            self._history[-1] = (self.t, self.anger)
        else:
            self._history.append((self.t, self.anger))

    def _level_at(self, t: float) -> float:
        """The smoothed level that held at call time ``t`` (0 before the call)."""
        level = 0.0
        for when, value in self._history:
            if when > t:
                break
            level = value
        return level

    def trend(self) -> float:
        return (self.anger - self._level_at(self.t - TREND_SPAN)) * (60.0 / TREND_SPAN)

    def speaking(self) -> str | None:
        if not self._open:
            return None
        return max(self._open.items(), key=lambda kv: kv[1])[0]  # whoever started last

    def _signals(self, last: Classified | None) -> CallSignals:
        speaking = self.speaking()
        window_start = self.t - self.anger_window
        return CallSignals(
            t=self.t,
            anger=self.anger,
            anger_trend=self.trend(),
            sentiment=self.sentiment,
            abuse=tuple(self.abuse),
            cues=tuple(self.cues),
            talk_time=dict(self.talk_time),
            speaking=speaking,
            silence=0.0 if speaking else max(self.t - self._last_speech_end, 0.0),
            customer_name=self.customer_name,
            anger_history=tuple(p for p in self._history if p[0] >= window_start),
            last=last,
        )
