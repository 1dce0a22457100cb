"""Away and cover, and the advisers page: who may set what, what is refused, and that the
colleague covering can then open the away PA's escalations (and not after they are back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.testclient import TestClient

from bot.clock import FixedClock
from bot.models import AuditEvent, PersonalAdviser, StaffAccount
from tests.bot.dashboard.helpers import Account, csrf_token, make_escalation

Browser = Callable[[str], TestClient]


def pa_of(sessions: sessionmaker, account: Account) -> PersonalAdviser:
    with sessions() as session:
        pa = session.get(PersonalAdviser, account.pa_id)
        session.expunge(pa)
        return pa


def test_a_pa_sets_their_own_away_dates_and_cover(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    sam = browser("sam")
    today = clock.now().date()
    form = sam.get("/staff/me/away")
    assert form.status_code == 200
    assert "Priya Shah" in form.text  # a colleague on the same team can cover
    assert "Tom Walsh" not in form.text  # another council's PA cannot
    token = csrf_token(sam, "/staff/me/away")
    saved = sam.post(
        "/staff/me/away",
        data={
            "csrf_token": token,
            "away_from": today.isoformat(),
            "away_until": (today + timedelta(days=7)).isoformat(),
            "cover_staff_id": str(staff["priya"].id),
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/staff/me"
    pa = pa_of(sessions, staff["sam"])
    assert (pa.away_from, pa.away_until, pa.cover_staff_id) == (
        today,
        today + timedelta(days=7),
        staff["priya"].id,
    )
    assert "Priya Shah</bdi> is covering" in sam.get("/staff/me").text
    with sessions() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "pa_away_set")
        ).scalar_one()
        assert event.actor == f"staff:{staff['sam'].id}"
    back = sam.post("/staff/me/away", data={"csrf_token": token, "clear": "1"})
    assert back.status_code == 303
    pa = pa_of(sessions, staff["sam"])
    assert (pa.away_from, pa.away_until, pa.cover_staff_id) == (None, None, None)


def test_bad_away_forms_are_refused_and_change_nothing(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    sam = browser("sam")
    today = clock.now().date()
    token = csrf_token(sam, "/staff/me/away")
    cases = [
        (
            {"away_from": today.isoformat(), "away_until": (today - timedelta(1)).isoformat()},
            "before the first",
        ),
        ({"away_from": "next tuesday"}, "YYYY-MM-DD"),
        ({"away_from": today.isoformat(), "cover_staff_id": str(staff["tom"].id)}, "same team"),
        ({"away_from": today.isoformat(), "cover_staff_id": str(staff["sam"].id)}, "same team"),
        ({"away_from": today.isoformat(), "cover_staff_id": "1 OR 1=1"}, "from the list"),
        ({"away_until": today.isoformat()}, "first day away"),
    ]
    for fields, message in cases:
        response = sam.post("/staff/me/away", data={"csrf_token": token, **fields})
        assert response.status_code == 400, fields
        assert message in response.text, fields
    pa = pa_of(sessions, staff["sam"])
    assert (pa.away_from, pa.away_until, pa.cover_staff_id) == (None, None, None)


def test_only_the_pa_and_their_managers_set_their_away(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    sam_pa = staff["sam"].pa_id
    path = f"/staff/team/advisers/{sam_pa}/away"
    priya = browser("priya")
    assert priya.get(path).status_code == 403
    assert browser("cambs_manager").get(path).status_code == 403
    no_caseload = browser("editor").get("/staff/me/away")  # no PA record: nothing to cover
    assert no_caseload.status_code == 200 and "no caseload of your own" in no_caseload.text
    manager = browser("manager")
    token = csrf_token(manager, path)
    response = manager.post(
        path, data={"csrf_token": token, "away_from": clock.now().date().isoformat()}
    )
    assert response.status_code == 303
    assert pa_of(sessions, staff["sam"]).away_from == clock.now().date()
    advisers = manager.get("/staff/team/advisers")
    assert advisers.status_code == 200
    assert "Sam Ortiz" in advisers.text and "duty route covers" in advisers.text
    assert "Tom Walsh" not in advisers.text  # another team
    assert "Tom Walsh" in browser("admin").get("/staff/team/advisers").text
    assert priya.get("/staff/team/advisers").status_code == 403


def test_a_manager_puts_a_colleague_on_the_duty_rota(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account]
) -> None:
    priya_pa = staff["priya"].pa_id
    path = f"/staff/team/advisers/{priya_pa}/duty"
    other = browser("cambs_manager")
    assert other.post(path, data={"csrf_token": csrf_token(other)}).status_code == 403
    manager = browser("manager")
    token = csrf_token(manager)
    assert manager.post(path, data={"csrf_token": token, "on_duty": "on"}).status_code == 303
    with sessions() as session:
        assert session.get(StaffAccount, staff["priya"].id).on_duty is True
    priya = browser("priya")
    assert priya.get("/staff/team").status_code == 200  # the duty part of the inbox
    assert manager.post(path, data={"csrf_token": token}).status_code == 303
    with sessions() as session:
        assert session.get(StaffAccount, staff["priya"].id).on_duty is False
    assert browser("priya").get("/staff/team").status_code == 403


def test_the_cover_opens_the_away_pas_escalations_while_they_are_away(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    esc = make_escalation(sessions, "demo-19", clock.now())  # Sam's young person
    priya = browser("priya")
    assert priya.get(f"/staff/escalations/{esc}").status_code == 403
    today = clock.now().date()
    with sessions.begin() as session:
        pa = session.get(PersonalAdviser, staff["sam"].pa_id)
        pa.away_from, pa.away_until = today, today + timedelta(days=2)
        pa.cover_staff_id = staff["priya"].id
    assert priya.get(f"/staff/escalations/{esc}").status_code == 200
    assert f"/staff/escalations/{esc}" in priya.get("/staff/").text  # on her home page
    token = csrf_token(priya)
    acked = priya.post(f"/staff/escalations/{esc}/acknowledge", data={"csrf_token": token})
    assert acked.status_code == 303
    with sessions() as session:
        acted = session.execute(
            select(AuditEvent).where(AuditEvent.action == "escalation_acknowledged")
        ).scalar_one()
        assert acted.actor == f"staff:{staff['priya'].id}"  # audited as the cover
    with sessions.begin() as session:  # Sam's leave ended yesterday
        pa = session.get(PersonalAdviser, staff["sam"].pa_id)
        pa.away_from, pa.away_until = today - timedelta(days=5), today - timedelta(days=1)
    assert priya.get(f"/staff/escalations/{esc}").status_code == 403
