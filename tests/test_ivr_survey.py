"""The survey dialogue (ivr.survey) as a pure function, and its executor (telephony.sip.survey_call) on a fake
media and a fake clock."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from ivr import survey
from ivr.engine import Digit, Gather, GatherTimeout, HangUp, Hangup, Play
from ivr.prompts import DEFAULT_PROMPTS
from ivr.render import missing_prompts
from ivr.words import known_prompt_keys
from telephony.sip.survey_call import SurveyCall

CASE = "2026120300042"
SPOKEN = ("digit_2", "digit_0", "digit_2", "digit_6", "digit_1", "digit_2", "digit_0", "digit_3",
          "digit_0", "digit_0", "digit_0", "digit_4", "digit_2")


def spec(tries: int = 3) -> survey.SurveySpec:
    return survey.SurveySpec(case_number=CASE, tries=tries, timeout_s=7.0)


def run(s: survey.SurveySpec, *events):
    state, actions = survey.start(s)
    out = [actions]
    for event in events:
        state, actions = survey.step(s, state, event)
        out.append(actions)
    return state, out


def test_opening_names_the_case_digit_by_digit_then_asks():
    state, actions = survey.start(spec())
    assert actions == [Play(("survey_intro", *SPOKEN, "survey_case_done", "survey_keys")),
                       Gather(max_digits=1, timeout_s=7.0)]
    assert state == survey.SurveyState(phase="question", asked=1)
    assert survey.spoken_case("2026-12-03") == ("digit_2", "digit_0", "digit_2", "digit_6", "digit_1", "digit_2",
                                                "digit_0", "digit_3")


@pytest.mark.parametrize("key", list("12345"))
def test_a_key_from_1_to_5_is_stored_thanked_and_hung_up(key):
    state, (_, actions) = run(spec(), Digit(key))
    assert actions == [survey.Rate(key), Play(("survey_thanks",)), HangUp(reason="rated")]
    assert (state.phase, state.rating, state.invalid_keys) == ("closing", key, 0)


def test_invalid_key_repeats_the_question_then_a_valid_key_counts():
    state, (_, again, rated) = run(spec(), Digit("9"), Digit("2"))
    assert again == [Play(("survey_invalid", "survey_keys")), Gather(max_digits=1, timeout_s=7.0)]
    assert rated[0] == survey.Rate("2")
    assert (state.rating, state.invalid_keys, state.asked) == ("2", 1, 2)


def test_no_key_repeats_with_the_timeout_prompt():
    state, (_, again) = run(spec(), GatherTimeout())
    assert again == [Play(("timeout", "survey_keys")), Gather(max_digits=1, timeout_s=7.0)]
    assert (state.timeouts, state.invalid_keys, state.asked) == (1, 0, 2)


def test_tries_used_up_ends_politely_without_rating():
    state, out = run(spec(tries=3), Digit("0"), GatherTimeout(), Digit("#"))
    assert out[-1] == [Play(("survey_goodbye",)), HangUp(reason="no_rating")]
    assert (state.phase, state.rating, state.invalid_keys, state.timeouts, state.asked) == ("closing", None, 2, 1, 3)
    # keys pressed during the goodbye change nothing
    later, actions = survey.step(spec(tries=3), state, Digit("1"))
    assert later == state and actions == []


def test_one_try_means_one_question():
    state, (_, last) = run(spec(tries=1), Digit("7"))
    assert last == [Play(("survey_goodbye",)), HangUp(reason="no_rating")] and state.rating is None


def test_several_keys_in_one_event_are_taken_in_order_until_rated():
    state, (_, actions) = run(spec(), Digit("*4"))
    assert (state.rating, state.invalid_keys) == ("4", 1) and actions[0] == survey.Rate("4")


def test_hangup_ends_and_keeps_what_was_known():
    state, (_, _, after) = run(spec(), Digit("3"), Hangup())
    assert (state.phase, state.rating) == ("end", "3") and after == []
    state, _ = run(spec(), Hangup(), Digit("1"), GatherTimeout())
    assert (state.phase, state.rating, state.timeouts) == ("end", None, 0)


def test_bad_specs_are_refused():
    for kwargs in ({"case_number": ""}, {"case_number": "ABC"}, {"case_number": CASE, "tries": 0},
                   {"case_number": CASE, "timeout_s": 0}):
        with pytest.raises(ValueError):
            survey.SurveySpec(**kwargs)
    with pytest.raises(TypeError):
        survey.step(spec(), survey.SurveyState(), "1")


def test_every_survey_prompt_is_a_known_rendered_key(settings):
    assert set(survey.PROMPT_KEYS) <= known_prompt_keys()
    assert DEFAULT_PROMPTS["survey_thanks"] == "感谢您的评价，再见。"
    assert survey.prompt_keys(spec()) <= known_prompt_keys()

    no_flow = SimpleNamespace(nodes={})
    assert set(survey.PROMPT_KEYS) <= set(missing_prompts(settings, no_flow))


# --- the executor -------------------------------------------------------------------------------------


class FakeMedia:
    def __init__(self, fail: set[str] = frozenset()) -> None:
        self.log: list[str] = []
        self.fail = fail

    def play(self, path: Path) -> bool:
        if path.stem in self.fail:
            return False
        self.log.append(f"play {path.stem}")
        return True

    def stop_play(self) -> None:
        self.log.append("stop")

    def hangup(self, reason: str) -> None:
        self.log.append("hangup")


def prompts_dir(tmp_path: Path, skip: tuple[str, ...] = ()) -> Path:
    for key in (*survey.PROMPT_KEYS, *SPOKEN):
        if key not in skip:
            (tmp_path / f"{key}.wav").write_bytes(b"RIFF")
    return tmp_path


def play_through(call: SurveyCall, now: float) -> float:
    """Let every prompt end one second after the other; returns the clock."""
    while call.playing:
        now += 1.0
        call.play_done(now)
    return now


def test_executor_plays_in_order_waits_for_the_prompts_then_times_out(tmp_path):
    media = FakeMedia()
    call = SurveyCall(spec(tries=2), media=media, prompts_dir=prompts_dir(tmp_path))
    call.answered(0.0)
    assert call.played == ["survey_intro"] and call.gather_at is None
    now = play_through(call, 0.0)
    assert call.played == ["survey_intro", *SPOKEN, "survey_case_done", "survey_keys"]
    assert call.gather_at == now + 7.0
    call.tick(now + 6.9)
    assert call.played[-1] == "survey_keys"
    call.tick(now + 7.0)  # no key: the timeout prompt, the question again
    assert call.played[-1] == "timeout" and call.state.timeouts == 1
    now = play_through(call, now + 7.0)
    call.tick(now + 7.0)  # second question unanswered: goodbye, then hang up once it has played
    assert call.played[-1] == "survey_goodbye" and "hangup" not in media.log
    play_through(call, now + 7.0)
    assert media.log[-1] == "hangup" and call.hangup_reason == "no_rating" and call.rating is None
    call.disconnected(now + 20)
    assert call.state.phase == "end" and call.ended


def test_executor_barge_in_invalid_key_then_valid_key(tmp_path):
    media = FakeMedia()
    call = SurveyCall(spec(), media=media, prompts_dir=prompts_dir(tmp_path))
    call.digit("1", 0.0)  # before the call is answered: ignored
    call.answered(0.0)
    call.play_done(1.0)
    call.digit("9", 1.5)  # during the case number: stops it, says invalid, asks again
    assert media.log[-2:] == ["stop", "play survey_invalid"] and call.invalid_keys == 1
    now = play_through(call, 1.5)
    call.digit("5", now + 1)
    assert call.rating == "5" and call.played[-1] == "survey_thanks"
    call.digit("1", now + 1.2)  # during the thanks: ignored
    assert call.rating == "5" and media.log[-1] == "play survey_thanks"
    play_through(call, now + 1.2)
    assert media.log[-1] == "hangup" and call.hangup_reason == "rated"


def test_executor_skips_missing_and_unplayable_prompts(tmp_path, caplog):
    media = FakeMedia(fail={"survey_case_done"})
    call = SurveyCall(spec(), media=media, prompts_dir=prompts_dir(tmp_path, skip=("survey_intro", "digit_0")))
    call.answered(0.0)
    now = play_through(call, 0.0)
    assert "survey_intro" not in call.played and "digit_0" not in call.played
    assert call.missing == ["survey_intro", "digit_0", "digit_0", "digit_0", "digit_0", "digit_0", "survey_case_done"]
    assert call.played[-1] == "survey_keys" and call.gather_at == now + 7.0
    assert "is missing; skipped" in caplog.text


def test_executor_with_no_prompt_files_still_gathers_and_ends(tmp_path):
    media = FakeMedia()
    call = SurveyCall(spec(tries=1), media=media, prompts_dir=tmp_path)
    call.answered(0.0)
    assert call.played == [] and call.gather_at == 7.0
    call.tick(7.0)
    assert media.log == ["hangup"] and call.hangup_reason == "no_rating"


def test_executor_caller_hangs_up_mid_question(tmp_path):
    media = FakeMedia()
    call = SurveyCall(spec(), media=media, prompts_dir=prompts_dir(tmp_path))
    call.answered(0.0)
    call.disconnected(0.5)
    call.play_done(1.0)
    call.tick(100.0)
    call.digit("1", 101.0)
    assert call.rating is None and call.state.phase == "end" and "hangup" not in media.log
