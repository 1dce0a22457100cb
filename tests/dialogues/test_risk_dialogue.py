"""Risk in conversation: a reply and an urgent escalation for every category, never read as
stop, a safety check after a vague follow-up, no alarm from noise, and no routine message
while an urgent escalation is open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.advisers import escalations
from bot.db import session_factory
from bot.keeping_in_touch import hold, jobs
from bot.models import ContactPlan, Escalation, OutboxItem, StaffAccount, YoungPerson
from bot.runtime import load_risk_detector
from dialogues.engine import DialogueEngine
from nlu import NluResult
from tests.conftest import Chat

# One plain wording per category (the lexicon's own phrases are tested one by one elsewhere).
SAID = {
    "suicide_self_harm": "i want to kill myself",
    "medical_emergency": "my friend took too many pills and wont wake up",
    "abuse_violence": "my boyfriend is hitting me",
    "exploitation": "they are making me sell drugs for them",
    "homeless_tonight": "got kicked out nowhere to sleep tonight",
    "no_food_money_heat": "meter ran out and i have no food",
    "eviction_risk": "my landlord says i have to leave by friday, got an eviction notice",
}


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def payloads(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


def the_escalation(db_engine, esc_id: int) -> Escalation:
    with session_factory(db_engine)() as session:
        esc = session.get(Escalation, esc_id)
        session.expunge(esc)
        return esc


@pytest.mark.parametrize("category", sorted(SAID))
def test_each_category_gets_its_reply_numbers_and_an_urgent_escalation(
    engine, db_engine, staff, category: str
) -> None:
    turn = Chat(engine).link("demo-19").say(SAID[category])
    assert turn.safety == category
    first = turn.messages[0].text
    if category in ("suicide_self_harm", "medical_emergency", "abuse_violence"):
        assert "999" in first
    expected = {
        "suicide_self_harm": ["116 123", "85258", "0800 068 4141"],
        "abuse_violence": ["0808 2000 247"],
        "exploitation": ["08000 121 700"],
        "homeless_tonight": ["0808 800 4444", "01632 960456"],
        "eviction_risk": ["0808 800 4444"],
        "medical_emergency": ["111"],
        "no_food_money_heat": ["01632 960100"],
    }[category]
    for number in expected:
        assert number in first, number
    assert turn.escalation is not None and turn.escalation["urgency"] == "urgent"
    esc = the_escalation(db_engine, turn.escalation["id"])
    assert esc.reason == category
    # The PA can see why: at least one signal, naming its source.
    assert esc.risk_signals and esc.risk_signals[0]["source"] in ("lexicon", "classifier", "intent")
    assert "I've told your PA, Sam Ortiz." in texts(turn)


def test_someone_under_18_gets_childline_and_not_the_adult_only_line(engine) -> None:
    turn = Chat(engine).link("demo-16").say(SAID["suicide_self_harm"])
    first = turn.messages[0].text
    assert "0800 1111" in first and "116 123" in first
    assert "01632 960470" in first  # the council's children's services out-of-hours line
    adult = Chat(engine).link("demo-24").say(SAID["abuse_violence"]).messages[0].text
    assert "0800 1111" not in adult


class AlwaysStop:
    """A classifier that reads every message as "stop" (what the ESOL learner hit)."""

    def parse(self, text: str) -> NluResult:
        return NluResult("data_delete", 0.99)


@pytest.fixture
def stop_guessing_engine(runtime, clock) -> DialogueEngine:
    return DialogueEngine(
        runtime.sessions,
        AlwaysStop(),
        runtime.content.current,
        clock=clock,
        risk=load_risk_detector(runtime.settings),
    )


class AlwaysHomeless:
    """A topic classifier that reads every message as "homeless now"."""

    def parse(self, text: str) -> NluResult:
        return NluResult("homeless_now", 0.95)


@pytest.fixture
def crisis_guessing_engine(runtime, clock) -> DialogueEngine:
    return DialogueEngine(
        runtime.sessions,
        AlwaysHomeless(),
        runtime.content.current,
        clock=clock,
        risk=load_risk_detector(runtime.settings),
    )


def test_the_topic_classifier_alone_asks_before_alarming_anyone(crisis_guessing_engine) -> None:
    chat = Chat(crisis_guessing_engine).link("demo-19")
    turn = chat.say("got my new glasses today")
    assert turn.safety is None and turn.escalation is None
    assert turn.messages[0].text.startswith("Just checking")
    assert {"safe:ok", "safe:no"} <= set(payloads(turn))
    fine = chat.press("safe:ok")
    assert fine.escalation is None and "Good, thanks for letting me know." in texts(fine)


def test_not_safe_after_a_check_opens_the_safety_path(crisis_guessing_engine) -> None:
    chat = Chat(crisis_guessing_engine).link("demo-19")
    chat.say("got my new glasses today")
    unsafe = chat.press("safe:no")
    assert unsafe.escalation is not None and unsafe.escalation["urgency"] == "urgent"
    assert unsafe.escalation["reason"] == "homeless_tonight"


def test_a_real_risk_is_raised_whatever_the_topic_classifier_says(crisis_guessing_engine) -> None:
    turn = Chat(crisis_guessing_engine).link("demo-19").say("i want to kill myself")
    assert turn.safety == "suicide_self_harm"
    assert turn.escalation is not None


def plan_stopped(db_engine, ref: str) -> bool:
    with session_factory(db_engine)() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()
        plan = session.get(ContactPlan, yp.id)
        return plan is not None and plan.stopped_at is not None


def test_a_risk_message_is_never_read_as_stop(stop_guessing_engine, db_engine) -> None:
    chat = Chat(stop_guessing_engine).link("demo-19")
    turn = chat.say("I am not want live any more, I want finish my life")
    assert turn.safety == "suicide_self_harm"
    assert "won't send you messages" not in texts(turn)
    assert not plan_stopped(db_engine, "demo-19")


def test_stop_guessed_by_the_classifier_is_asked_not_done(stop_guessing_engine, db_engine) -> None:
    chat = Chat(stop_guessing_engine).link("demo-19")
    turn = chat.say("can you not message me so much")
    assert "privacy:stop_yes" in payloads(turn) and "privacy:stop_no" in payloads(turn)
    assert not plan_stopped(db_engine, "demo-19")
    kept = chat.press("privacy:stop_no")
    assert "nothing has changed" in texts(kept)
    assert not plan_stopped(db_engine, "demo-19")
    chat.say("can you not message me so much")
    done = chat.press("privacy:stop_yes")
    assert "won't send you messages" in texts(done)
    assert plan_stopped(db_engine, "demo-19")


def test_an_explicit_stop_word_stops_at_once(stop_guessing_engine, db_engine) -> None:
    turn = Chat(stop_guessing_engine).link("demo-19").say("STOP")
    assert "won't send you messages" in texts(turn)
    assert plan_stopped(db_engine, "demo-19")


@pytest.mark.parametrize("follow_up", ["ok", "idk", "whatever", "asdf", "🙁", "nothing"])
def test_a_vague_follow_up_after_a_risk_message_gets_the_safety_check(
    engine, follow_up: str
) -> None:
    chat = Chat(engine).link("demo-19")
    chat.say(SAID["abuse_violence"])
    turn = chat.say(follow_up)
    assert "can't help with that" not in texts(turn)
    if turn.safety is not None:
        # Read as a risk in its own right: what to do now again, which is also right.
        return
    assert turn.messages[0].text.startswith("Are you safe right now?")
    assert "0808 2000 247" in turn.messages[0].text
    assert {"safe:yes", "safe:no", "intent:talk_to_pa"} <= set(payloads(turn))


def test_after_the_safety_check_the_conversation_moves_on(engine, db_engine) -> None:
    chat = Chat(engine).link("demo-19")
    first = chat.say(SAID["suicide_self_harm"])
    chat.say("ok")
    safe = chat.press("safe:yes")
    assert "glad you're safe" in texts(safe)
    # A clear question afterwards gets its answer.
    answer = chat.say("can i get my council tax paid")
    assert answer.topic == "council_tax"
    # "I'm not safe" repeats what to do now, on the same open escalation.
    chat.say(SAID["suicide_self_harm"])
    unsafe = chat.press("safe:no")
    assert "999" in unsafe.messages[0].text
    assert unsafe.escalation is not None and unsafe.escalation["id"] == first.escalation["id"]


def test_a_follow_up_long_after_is_an_ordinary_message(engine, clock) -> None:
    chat = Chat(engine).link("demo-19")
    chat.say(SAID["no_food_money_heat"])
    clock.advance(timedelta(hours=7))
    turn = chat.say("asdfgh")
    assert not turn.messages[0].text.startswith("Are you safe right now?")


@pytest.mark.parametrize(
    "text",
    [
        "dying to know if i got the bursary",
        "when will my pa ring me",
        "i dont want to live in a hostel, can i get a flat",
        "this homework is killing me lol",
        "my phone died can u text me",
    ],
)
def test_idioms_and_topic_questions_raise_no_risk(engine, text: str) -> None:
    turn = Chat(engine).link("demo-19").say(text)
    assert turn.safety is None, turn.messages[0].text
    assert turn.escalation is None or turn.escalation["urgency"] != "urgent"


def test_an_idiom_is_answered_by_its_meaning(engine) -> None:
    # The topic classifier reads the plain reading too: a question, not a crisis.
    turn = Chat(engine).link("demo-19").say("im dying to know how much council tax i pay")
    assert turn.safety is None
    assert turn.topic == "council_tax", turn.messages[0].text


def test_noise_never_counts_as_a_miss_but_two_real_misses_still_escalate(engine) -> None:
    chat = Chat(engine).link("demo-19")
    for noise in ["lol", "ok", "😂😂", "ffs", "this bot is shit", "k"]:
        turn = chat.say(noise)
        assert turn.escalation is None, noise
    chat.say("what is the weather in paris tomorrow")
    second = chat.say("who won the league last night")
    assert second.escalation is not None and second.escalation["reason"] == "not_understood"


def test_arabic_risk_is_answered_in_arabic_with_the_numbers_unchanged(engine) -> None:
    turn = Chat(engine).link("demo-19").say("اريد ان اموت")
    assert turn.safety == "suicide_self_harm"
    assert turn.language == "ar"
    assert "116 123" in turn.messages[0].text and "999" in turn.messages[0].text


def test_routine_messages_wait_while_an_urgent_escalation_is_open(
    engine, db_engine, clock, staff
) -> None:
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        yp_id = yp.id
        session.add(
            OutboxItem(
                channel="terminal",
                address="x",
                purpose="checkin",
                young_person_id=yp_id,
                body="Hi, how are things?",
                buttons=[],
                status="pending",
                not_before=clock.now(),
                attempts=0,
                created_at=clock.now(),
            )
        )
    turn = Chat(engine).link("demo-19").say(SAID["suicide_self_harm"])
    with sessions() as session:
        statuses = (
            session.execute(
                select(OutboxItem.status).where(
                    OutboxItem.young_person_id == yp_id, OutboxItem.purpose == "checkin"
                )
            )
            .scalars()
            .all()
        )
        assert statuses == [hold.HELD]
        assert hold.is_held(session, yp_id)
    # The planner queues nothing routine for them meanwhile (it would be due a month on).
    counts = jobs.run(sessions, clock.now() + timedelta(days=40), public_url="http://x")
    assert counts.held >= 1
    with sessions() as session:
        assert (
            session.execute(
                select(OutboxItem).where(
                    OutboxItem.young_person_id == yp_id,
                    OutboxItem.status == "pending",
                    OutboxItem.purpose.in_(jobs.PROACTIVE),
                )
            ).first()
            is None
        )
    # Resolved: what waited goes (not at night), and the planner is free again.
    with sessions.begin() as session:
        pa = session.get(StaffAccount, staff["sam.ortiz@example.org"])
        esc = session.get(Escalation, turn.escalation["id"])
        escalations.resolve(session, esc, pa, clock.now())
    with sessions() as session:
        item = session.execute(
            select(OutboxItem).where(
                OutboxItem.young_person_id == yp_id, OutboxItem.purpose == "checkin"
            )
        ).scalar_one()
        assert item.status == "pending"
        assert not hold.is_held(session, yp_id)
