"""PA support after 21 in conversation: the choice when a 20-year-old asks, asking for a PA
again from 21, and "who's my PA" naming the team, not a former PA, for someone without one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.advisers import escalations
from bot.db import session_factory
from bot.keeping_in_touch import support
from bot.models import AuditEvent, ContactPlan, Escalation, StaffAccount, YoungPerson
from tests.conftest import Chat

ASK_21 = "wat happens wen i turn 21"
OPTIN = ["optin:yes", "optin:no", "optin:not_sure"]


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def payloads(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


def record(db_engine, ref: str) -> tuple[str, str | None, int | None]:
    with session_factory(db_engine)() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()
        plan = session.get(ContactPlan, yp.id)
        return yp.support_status, plan.optin_answer if plan else None, yp.id


def test_a_20_year_old_asking_about_21_gets_the_choice_with_buttons(engine, db_engine) -> None:
    turn = Chat(engine).link("demo-20-9m").say(ASK_21)
    assert turn.topic == "post21_support"
    assert len(turn.messages) == 2  # the answer, then their own choice
    choice = turn.messages[-1]
    assert choice.text.startswith("You turn 21 on ")
    assert "Your PA can keep helping you until you're 25, if you want." in choice.text
    assert [b.payload for b in choice.buttons] == OPTIN
    assert record(db_engine, "demo-20-9m")[:2] == ("active", None)


@pytest.mark.parametrize(
    ("typed", "status", "answer", "says"),
    [
        ("yes", "opted_in", "yes", "Great. Sam Ortiz will keep helping you after you turn 21."),
        ("no thanks", "opted_out", "no", "You can change your mind any time until you're 25."),
        ("not sure", "active", "not_sure", "I'll ask again nearer your birthday."),
    ],
)
def test_the_20_year_old_answers_by_typing_and_it_is_recorded(
    engine, db_engine, staff, typed: str, status: str, answer: str, says: str
) -> None:
    chat = Chat(engine).link("demo-20-9m")
    chat.say(ASK_21)
    turn = chat.say(typed)
    assert says in texts(turn)
    assert record(db_engine, "demo-20-9m")[:2] == (status, answer)


def test_asking_again_before_21_shows_what_they_chose(engine) -> None:
    chat = Chat(engine).link("demo-20-9m")
    chat.say(ASK_21)
    chat.press("optin:no")
    turn = chat.say("can i keep my pa after 21")
    choice = turn.messages[-1].text
    assert choice.startswith("You told us you don't want PA support after 21.")
    assert [b.payload for b in turn.messages[-1].buttons] == OPTIN


def test_under_18_and_opted_in_21s_get_the_answer_only(engine) -> None:
    for ref in ("demo-17", "demo-21"):
        turn = Chat(engine).link(ref).say(ASK_21)
        assert turn.topic == "post21_support", ref
        assert len(turn.messages) == 1, ref
        assert not set(OPTIN) & set(payloads(turn)), ref


def test_whos_my_pa_without_pa_support_names_the_team_not_the_former_pa(engine) -> None:
    turn = Chat(engine).link("demo-22").say("who is my pa")
    assert turn.intent == "pa_contact"
    reply = texts(turn)
    assert "Sam Ortiz" not in reply  # demo-22 said no at 21; Sam is a former PA
    assert "You don't have a PA at the moment, but you can have one again until you're 25." in reply
    assert "Plymouth" in reply and "duty team" in reply
    assert "optin:yes" in payloads(turn)


def test_a_22_year_old_who_said_no_asks_for_a_pa_again(engine, db_engine, staff) -> None:
    chat = Chat(engine).link("demo-22")
    asked = chat.say("i said no to my pa at 21 can i change my mind")
    assert asked.topic == "post21_support"
    offer = asked.messages[-1]
    assert offer.text.startswith("You don't have a PA at the moment")
    assert offer.buttons[0].title == "I'd like a PA again"

    turn = chat.say("id like a pa again")  # typed, as the button's words
    reply = texts(turn)
    assert "Thanks. I've recorded that you'd like a PA again." in reply
    assert "Sam Ortiz" not in reply
    assert "leaving care team" in reply
    assert turn.escalation is not None
    assert turn.escalation["reason"] == support.AGAIN_REASON
    assert turn.escalation["routed_to"] == "team"  # the team allocates, not the former PA
    assert turn.escalation["duty_notified"] is True
    status, answer, yp_id = record(db_engine, "demo-22")
    assert (status, answer) == ("requested", "yes")
    with session_factory(db_engine)() as session:
        actions = session.execute(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(yp_id))
        ).scalars()
        assert "pa_support_requested" in set(actions)

    # Meanwhile "who's my PA" says it is with the team, and a second tap asks nobody twice.
    waiting = texts(chat.say("who's my pa"))
    assert "You've asked for a PA again. Your leaving care team will get back to you." in waiting
    assert "Sam Ortiz" not in waiting
    again = chat.press("optin:yes")
    assert again.escalation is None


def test_once_the_team_resolves_it_the_pa_on_record_is_theirs_again(
    engine, db_engine, staff, clock
) -> None:
    chat = Chat(engine).link("demo-22")
    esc_id = chat.press("optin:yes").escalation["id"]
    with session_factory(db_engine).begin() as session:
        manager = (
            session.execute(select(StaffAccount).where(StaffAccount.role == "manager"))
            .scalars()
            .first()
        )
        escalations.resolve(session, session.get(Escalation, esc_id), manager, clock.now())
    assert record(db_engine, "demo-22")[0] == "opted_in"
    assert "Your PA (personal adviser) is Sam Ortiz." in texts(chat.say("who is my pa"))


def test_talk_to_my_pa_without_pa_support_goes_to_the_team(engine, staff) -> None:
    turn = Chat(engine).link("demo-22").say("i want to talk to my pa")
    assert turn.escalation is not None and turn.escalation["routed_to"] == "team"
    reply = texts(turn)
    assert "Sam Ortiz" not in reply
    assert "I've asked your PA" not in reply
    assert "optin:yes" in payloads(turn)


def test_the_birthday_button_from_21_asks_again_not_after_you_turn_21(engine, staff) -> None:
    reply = texts(Chat(engine).link("demo-22").press("optin:yes"))
    assert "after you turn 21" not in reply
    assert "I've recorded that you'd like a PA again." in reply


def test_in_arabic_the_choice_and_the_again_button_are_translated(engine) -> None:
    turn = Chat(engine).link("demo-22", language="ar").say("who is my pa")
    again = [b for m in turn.messages for b in m.buttons if b.payload == "optin:yes"]
    assert again and again[0].title != "I'd like a PA again"
    assert "You don't have a PA at the moment" not in texts(turn)
