"""Each panel widget alone, with real Qt widgets (offscreen)."""

from __future__ import annotations

from coach.events import AgentAction, Alert, CallSignals, DeviceStatus
from coach.ui.viewmodel import PanelState, StepView, TimerView, TranscriptLine, fold, reduce


def test_step_card_shows_title_phrases_avoid_and_why_and_announces_once(qtbot):
    from coach.ui.widgets import StepCard

    card = StepCard()
    qtbot.addWidget(card)
    first = StepView("listen", "Listen", say=("How can I help?",), since=0.0)
    assert card.show_step(first) is False  # the opening step is not a change to announce
    step = StepView("delegate_up", "Offer a supervisor", say=("I can bring in my supervisor.", "Would that help?"),
                    avoid=("Refusing outright",), reason="supervisor_request heard", since=8.0, previous="listen")
    assert card.show_step(step, time_in_step=3.0) is True
    assert card.title.text() == "Offer a supervisor"
    assert "I can bring in my supervisor." in card.say.text() and "Would that help?" in card.say.text()
    assert "Refusing outright" in card.avoid.text()
    assert "supervisor_request" in card.why.text()
    assert "0:03 in this step" in card.meta.text()
    assert card.highlighted
    # the same step again (a later redraw) is not re-announced
    assert card.show_step(step, time_in_step=9.0) is False
    assert card.announcements == 1
    qtbot.waitUntil(lambda: not card.highlighted, timeout=5000)


def test_step_card_shows_the_alert_raised_with_its_step_even_compact(qtbot):
    from coach.ui.widgets import StepCard

    card = StepCard()
    qtbot.addWidget(card)
    card.show()
    older = Alert(3.0, "warning", "Customer asked twice")
    threat = Alert(14.0, "error", "Threat of harm: tell your supervisor or security.")
    warn = StepView("warn_threat", "Warning: a threat ends this call", say=("No more threats.",), since=14.0, previous="listen")
    card.show_step(warn, alerts=(older, threat), compact=True)
    assert card.alert.isVisible() and "supervisor or security" in card.alert.text()
    assert card.alert.property("level") == "error"
    later = StepView("summarize", "Summarize", say=("So what I hear is...",), since=44.0, previous="warn_threat")
    card.show_step(later, alerts=(older, threat))
    assert not card.alert.isVisible(), "an alert belongs to the step it came with"


def test_step_card_compact_hides_the_reason(qtbot):
    from coach.ui.widgets import StepCard

    card = StepCard()
    qtbot.addWidget(card)
    card.show()
    card.show_step(StepView("vent", "Let them vent", say=("Go on.",), reason="anger rising"), compact=True)
    assert not card.why.isVisible() and card.say.isVisible()


def test_mood_view_says_the_mood_in_words_not_only_colour(qtbot):
    from coach.ui.widgets import MoodView

    view = MoodView("dark")
    qtbot.addWidget(view)
    state = PanelState(t=60.0, anger=0.8, anger_trend=0.3, mood_history=((0.0, 0.2), (30.0, 0.5), (60.0, 0.8)))
    view.show_state(state)
    assert "angry" in view.text.text() and "heating up" in view.text.text()
    view.show_state(PanelState(anger=0.1, anger_trend=-0.4))
    assert "calm" in view.text.text() and "calming down" in view.text.text()
    image = view.line.grab().toImage()  # the line really paints
    assert image.width() > 0 and image.height() >= 30


def test_abuse_view_counts_by_type_and_says_whether_warned(qtbot, call_events):
    from coach.ui.widgets import AbuseView

    view = AbuseView()
    qtbot.addWidget(view)
    view.show_state(PanelState())
    assert "none" in view.text()
    upto_insult = fold([e for e in call_events if e.t <= 11.5])
    view.show_state(upto_insult)
    assert "1 insult" in view.text() and "no warning given yet" in view.text()
    view.show_state(fold(call_events))
    assert "1 threat" in view.text() and "warning given at 0:12" in view.text()
    assert view.property("level") == "error"


def test_timers_view_counts_down(qtbot):
    from coach.ui.widgets import TimersView

    view = TimersView()
    qtbot.addWidget(view)
    view.show()
    timer = TimerView("hold", "hold", 10.0, 120.0, "hold")
    view.show_state(PanelState(t=15.0, timers=(timer,)))
    assert "hold: 1:55 left" in view.text()
    view.show_state(PanelState(t=15.0))
    assert not view.isVisible()


def test_transcript_shows_partial_as_it_forms_and_collapses(qtbot):
    from coach.ui.widgets import TranscriptView

    view = TranscriptView()
    qtbot.addWidget(view)
    state = PanelState(customer_name="Dana", transcript=(TranscriptLine("customer", 0, 1, "Hello there"),),
                       partials=(("customer", "I want to"),))
    view.show_state(state)
    text = view.browser.toPlainText()
    assert "Dana: Hello there" in text and "I want to …" in text
    view.toggle.setChecked(False)
    assert not view.browser.isVisibleTo(view)
    renders = view.renders
    view.show_state(PanelState(transcript=(TranscriptLine("agent", 1, 2, "new"),)))
    assert view.renders == renders  # a collapsed transcript costs nothing


def test_action_bar_buttons_and_shortcuts_emit_agent_actions(qtbot):
    from PySide6.QtCore import Qt
    from coach.ui.widgets import ACTION_BUTTONS, ActionBar

    bar = ActionBar()
    qtbot.addWidget(bar)
    bar.current_step = "vent"
    got = []
    bar.action.connect(lambda a, s: got.append((a, s)))
    for action, _, _ in ACTION_BUTTONS:
        qtbot.mouseClick(bar.buttons[action], Qt.MouseButton.LeftButton)
    assert got == [(a, "vent") for a, _, _ in ACTION_BUTTONS]
    bar.step_choices = [("vent", "Let them vent"), ("draw_the_line", "Draw the line")]
    bar.open_override_menu()
    titles = [a.text() for a in bar.menu.actions()]
    assert titles == ["Draw the line (draw_the_line)"]
    with qtbot.waitSignal(bar.action) as sig:
        bar.menu.actions()[0].trigger()
    assert sig.args == ["override", "draw_the_line"]


def test_banner_has_an_icon_and_text(qtbot):
    from coach.ui.widgets import Banner

    banner = Banner()
    qtbot.addWidget(banner)
    banner.show_message("error", "Something broke; do this.")
    assert banner.text().startswith("✖") and banner.property("level") == "error"
