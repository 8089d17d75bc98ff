"""`coach live` and `coach replay` on the command line: clear one-sentence errors, before any window."""

from __future__ import annotations

import pytest

from coach.cli import main


def test_live_without_a_device_or_file_says_what_to_do(capsys):
    assert main(["live"]) == 2
    err = capsys.readouterr().err
    assert "--customer-device" in err and "coach devices" in err and "Traceback" not in err


def test_replay_of_a_missing_recording_names_it(capsys, tmp_path):
    missing = tmp_path / "nope.wav"
    assert main(["replay", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "does not exist" in err


def test_replay_with_a_broken_playbook_reports_file_and_line(capsys, tmp_path):
    wav = tmp_path / "call.wav"
    import numpy as np
    import soundfile as sf

    sf.write(wav, np.zeros((16000, 2), np.float32), 16000)
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [\n", encoding="utf-8")
    assert main(["replay", str(wav), "--playbook", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:" in err


@pytest.mark.parametrize("speed, message", [("8", "use one of 0.5, 1, 1.5, 2, 3, 4"), ("fast", "'fast' is not a speed")])
def test_replay_speed_must_be_between_half_and_four(capsys, speed, message):
    with pytest.raises(SystemExit):
        main(["replay", "demo", "--speed", speed])
    assert message in capsys.readouterr().err


def test_unknown_theme_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(["replay", "demo", "--theme", "blue"])
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("mods, message", [("ctrl+hyper", "'ctrl+hyper' is not a set of modifiers"),
                                           ("shift", "include ctrl, alt or super")])
def test_hotkeys_modifiers_are_checked_by_the_parser(capsys, mods, message):
    with pytest.raises(SystemExit):
        main(["live", "--customer-device", "x", "--hotkeys", mods])
    assert message in capsys.readouterr().err
