"""The dashboard's pages, logged in as each role, over the demo data."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.testclient import TestClient

from bot.clock import FixedClock
from bot.models import AuditEvent, Escalation, LinkCode, Message, OutboxItem, StaffAccount
from tests.bot.dashboard.conftest import TELEGRAM_BOT
from tests.bot.dashboard.helpers import (
    Account,
    add_message,
    chat_for,
    csrf_token,
    make_escalation,
    young_person,
)

Browser = Callable[[str], TestClient]
ARABIC = "مرحبا، أحتاج مساعدة في السكن"


def audits(sessions: sessionmaker, action: str) -> list[AuditEvent]:
    with sessions() as session:
        return list(
            session.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            ).scalars()
        )


def yp_id(sessions: sessionmaker, ref: str) -> int:
    with sessions() as session:
        return young_person(session, ref).id


def rows_in_order(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td><a href="/staff/escalations/(\d+)">', html)]


# My escalations and the team inbox -------------------------------------------------------------


def test_my_escalations_open_first_overdue_marked(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    later = make_escalation(sessions, "demo-19", now, due_in=timedelta(hours=6))
    overdue = make_escalation(sessions, "demo-16", now, due_in=-timedelta(minutes=5))
    urgent = make_escalation(
        sessions, "demo-18", now, reason="crisis", urgency="urgent", due_in=timedelta(minutes=30)
    )
    acked = make_escalation(sessions, "demo-22", now, status="acknowledged")
    resolved = make_escalation(sessions, "demo-20-9m", now, status="resolved")
    old = make_escalation(
        sessions, "demo-19", now, status="resolved", created_ago=timedelta(days=60)
    )
    priyas = make_escalation(sessions, "demo-17", now)

    page = browser("sam").get("/staff/")
    assert page.status_code == 200
    assert rows_in_order(page.text) == [overdue, urgent, later, acked, resolved]
    assert old not in rows_in_order(page.text) and priyas not in rows_in_order(page.text)
    overdue_row = re.search(
        rf'<tr class="([^"]*)">\s*<td><a href="/staff/escalations/{overdue}"', page.text
    )
    assert overdue_row and "overdue" in overdue_row.group(1).split()
    assert page.text.count(">Overdue<") == 1
    urgent_row = re.search(
        rf'<tr class="([^"]*)">\s*<td><a href="/staff/escalations/{urgent}"', page.text
    )
    assert urgent_row and "urgent" in urgent_row.group(1).split()
    assert "Urgent" in page.text and "Crisis (safety)" in page.text
    assert "Jay" in page.text and "demo-19" in page.text
    # The list does not quote what anyone wrote: that is on the (audited) escalation page.
    assert "can someone call me" not in page.text


def test_the_team_inbox_is_for_managers(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    sams = make_escalation(sessions, "demo-19", now)
    priyas = make_escalation(sessions, "demo-17", now, due_in=-timedelta(hours=1))
    cambs = make_escalation(sessions, "demo-cambs-19", now)
    manager = browser("manager").get("/staff/team")
    assert manager.status_code == 200
    assert rows_in_order(manager.text) == [priyas, sams]
    assert cambs not in rows_in_order(manager.text)
    admin = browser("admin").get("/staff/team")
    assert set(rows_in_order(admin.text)) == {sams, priyas, cambs}
    assert browser("sam").get("/staff/team").status_code == 403
    assert browser("editor").get("/staff/team").status_code == 403


def test_staff_without_a_slash_goes_to_the_dashboard(browser: Browser) -> None:
    response = browser("sam").get("/staff")
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"].endswith("/staff/")


def test_an_editor_lands_on_the_unanswered_questions(browser: Browser) -> None:
    editor = browser("editor")
    response = editor.get("/staff/")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/unanswered"


# One escalation ----------------------------------------------------------------------------


def test_the_escalation_page_shows_who_why_and_the_conversation(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    now = clock.now()
    esc = make_escalation(
        sessions, "demo-19", now, reason="homeless_now", urgency="urgent", excerpt=ARABIC
    )
    add_message(sessions, "demo-19", now - timedelta(minutes=3), ARABIC)
    add_message(sessions, "demo-19", now - timedelta(minutes=2), "Call 999 ...", direction="out")
    add_message(sessions, "demo-19", now - timedelta(minutes=1), None, kind="sticker")
    page = browser("sam").get(f"/staff/escalations/{esc}")
    assert page.status_code == 200
    html = page.text
    for expected in (
        "Jay",
        "demo-19",
        "Homeless tonight",
        "Urgent",
        "In the PA&#39;s working hours",
    ):
        assert expected in html, expected
    assert f'<p class="text" dir="auto">{ARABIC}</p>' in html
    assert f'<blockquote dir="auto">{ARABIC}</blockquote>' in html
    assert "sent a sticker" in html
    assert html.index(ARABIC, html.index("Recent conversation")) < html.index("sent a sticker")
    for action in ("acknowledge", "reply", "resolve"):
        assert f'action="/staff/escalations/{esc}/{action}"' in html
    assert "hand-back" not in html  # nobody is handling it yet
    assert "telegram-demo-19-secret-external-id" not in html
    viewed = audits(sessions, "viewed_messages")
    assert [(e.actor, e.subject_type, e.subject_id) for e in viewed] == [
        (f"staff:{staff['sam'].id}", "young_person", str(yp_id(sessions, "demo-19")))
    ]


def test_acknowledge_reply_hand_back_resolve(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    esc = make_escalation(sessions, "demo-19", clock.now())
    sam = browser("sam")
    token = csrf_token(sam, f"/staff/escalations/{esc}")

    response = sam.post(f"/staff/escalations/{esc}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/escalations/{esc}"
    with sessions() as session:
        row = session.get(Escalation, esc)
        assert row.status == "acknowledged" and row.acknowledged_by_id == staff["sam"].id

    reply = "Hi Jay, it's Sam. I'll call you at 2pm.\r\nمرحبا"
    response = sam.post(
        f"/staff/escalations/{esc}/reply", data={"csrf_token": token, "text": reply}
    )
    assert response.status_code == 303
    with sessions() as session:
        item = session.execute(
            select(OutboxItem).where(OutboxItem.purpose == "pa_reply")
        ).scalar_one()
        assert item.body == reply.replace("\r\n", "\n")
        assert item.escalation_id == esc and item.author_staff_id == staff["sam"].id
        assert session.get(Escalation, esc).handling_staff_id == staff["sam"].id
    page = sam.get(f"/staff/escalations/{esc}")
    assert "Queued" in page.text and "I&#39;ll call you at 2pm" in page.text
    assert f'action="/staff/escalations/{esc}/hand-back"' in page.text
    assert "Sam Ortiz" in page.text

    with sessions.begin() as session:
        session.get(OutboxItem, item.id).status = "failed"
    assert "Not delivered" in sam.get(f"/staff/escalations/{esc}").text

    assert (
        sam.post(f"/staff/escalations/{esc}/hand-back", data={"csrf_token": token}).status_code
        == 303
    )
    with sessions() as session:
        assert session.get(Escalation, esc).handling_staff_id is None
    assert (
        sam.post(f"/staff/escalations/{esc}/resolve", data={"csrf_token": token}).status_code == 303
    )
    with sessions() as session:
        row = session.get(Escalation, esc)
        assert row.status == "resolved" and row.resolved_by_id == staff["sam"].id
    page = sam.get(f"/staff/escalations/{esc}")
    assert 'action="/staff/escalations/' + str(esc) + '/reply"' not in page.text
    actions = {e.action for e in audits(sessions, "escalation_acknowledged")} | {
        e.action for e in audits(sessions, "escalation_resolved")
    }
    assert actions == {"escalation_acknowledged", "escalation_resolved"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write a message before sending."),
        ("   \r\n ", "Write a message before sending."),
        ("x" * 4001, "4000 characters or fewer"),
    ],
)
def test_an_empty_or_too_long_reply_is_refused(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, text: str, message: str
) -> None:
    esc = make_escalation(sessions, "demo-19", clock.now())
    sam = browser("sam")
    token = csrf_token(sam, f"/staff/escalations/{esc}")
    response = sam.post(f"/staff/escalations/{esc}/reply", data={"csrf_token": token, "text": text})
    assert response.status_code == 400
    assert message in response.text
    with sessions() as session:
        assert session.execute(select(OutboxItem)).first() is None
        assert session.get(Escalation, esc).status == "open"


def test_a_reply_of_exactly_4000_characters_with_crlf_newlines_is_accepted(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    esc = make_escalation(sessions, "demo-19", clock.now())
    sam = browser("sam")
    token = csrf_token(sam, f"/staff/escalations/{esc}")
    text = ("y" * 99 + "\r\n") * 40  # 4,000 characters once newlines are single
    response = sam.post(f"/staff/escalations/{esc}/reply", data={"csrf_token": token, "text": text})
    assert response.status_code == 303


def test_a_manager_can_act_on_a_team_escalation(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    esc = make_escalation(sessions, "demo-17", clock.now())
    manager = browser("manager")
    token = csrf_token(manager, f"/staff/escalations/{esc}")
    assert (
        manager.post(
            f"/staff/escalations/{esc}/acknowledge", data={"csrf_token": token}
        ).status_code
        == 303
    )
    with sessions() as session:
        assert session.get(Escalation, esc).acknowledged_by_id == staff["manager"].id


# Young people ------------------------------------------------------------------------------


def test_the_caseload_by_role(browser: Browser) -> None:
    sam = browser("sam").get("/staff/young-people")
    assert sam.status_code == 200 and "My caseload" in sam.text
    refs = set(re.findall(r'<td class="ref">([^<]+)</td>', sam.text))
    assert refs == {"demo-16", "demo-18", "demo-19", "demo-20-9m", "demo-22"}
    manager = browser("manager").get("/staff/young-people")
    assert len(re.findall(r'<td class="ref">', manager.text)) == 9
    assert "demo-cambs-19" not in manager.text
    admin = browser("admin").get("/staff/young-people")
    assert len(re.findall(r'<td class="ref">', admin.text)) == 11
    assert browser("editor").get("/staff/young-people").status_code == 403


def test_the_young_person_record(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    now = clock.now()
    add_message(sessions, "demo-19", now - timedelta(hours=3), "hello, first message")
    add_message(sessions, "demo-19", now - timedelta(hours=2), None, kind="sticker")
    add_message(
        sessions,
        "demo-19",
        now - timedelta(hours=1),
        "A message from your PA",
        direction="out",
        source="pa",
        author_staff_id=staff["sam"].id,
    )
    add_message(sessions, "demo-19", now - timedelta(minutes=30), ARABIC, channel="whatsapp")
    ident = yp_id(sessions, "demo-19")
    page = browser("sam").get(f"/staff/young-people/{ident}")
    assert page.status_code == 200
    html = page.text
    assert "Jay" in html and "demo-19" in html
    assert "19 (age band 18-20)" in html
    assert "Active (under 21)" in html and "Sam Ortiz" in html
    # Created this morning at 10:00: the first check-in is due now; the last message is contact.
    assert "Next keep-in-touch check-in</dt><dd>Mon 23 Nov 2026, 10:00</dd>" in html
    assert "Check in every (weeks)" in html
    assert "Telegram, last seen" in html and "WhatsApp, last seen" in html
    assert "secret-external-id" not in html
    assert html.index("hello, first message") < html.index("sent a sticker") < html.index(ARABIC)
    assert f'<p class="text" dir="auto">{ARABIC}</p>' in html
    assert re.search(
        r"Sam Ortiz</bdi> · [^<]+ · Telegram</p>\s*<p class=\"text\" dir=\"auto\">A message from your PA",
        html,
    )
    viewed = audits(sessions, "viewed_messages")
    assert [(e.actor, e.subject_type, e.subject_id) for e in viewed] == [
        (f"staff:{staff['sam'].id}", "young_person", str(ident))
    ]
    # Circumstances, from the record.
    rosa = browser("priya").get(f"/staff/young-people/{yp_id(sessions, 'demo-20')}")
    assert "In higher education" in rosa.text


def test_the_history_is_the_last_200_messages(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        identity = chat_for(session, "demo-19", now)

        for n in range(205):
            session.add(
                Message(
                    identity_id=identity.id,
                    young_person_id=identity.young_person_id,
                    direction="in",
                    channel="telegram",
                    kind="text",
                    text=f"message number {n:03d}",
                    source="bot",
                    created_at=now - timedelta(minutes=300 - n),
                )
            )
    html = browser("sam").get(f"/staff/young-people/{yp_id(sessions, 'demo-19')}").text
    assert "message number 004" not in html
    assert "message number 005" in html and "message number 204" in html
    assert html.count('class="msg in') == 200


def test_names_and_messages_are_escaped(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    with sessions.begin() as session:
        young_person(session, "demo-19").preferred_name = "<script>alert(1)</script>"
    add_message(sessions, "demo-19", clock.now(), '<img src=x onerror="alert(2)">')
    html = browser("sam").get(f"/staff/young-people/{yp_id(sessions, 'demo-19')}").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html


def test_a_link_code_is_shown_once_with_the_links(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account]
) -> None:
    ident = yp_id(sessions, "demo-19")
    sam = browser("sam")
    token = csrf_token(sam, f"/staff/young-people/{ident}")
    response = sam.post(f"/staff/young-people/{ident}/link-code", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    code = re.search(
        r'<p class="code" aria-label="Link code">([A-Z0-9]+)</p>', response.text
    ).group(1)
    assert len(code) == 10
    assert f"https://t.me/{TELEGRAM_BOT}?start={code}" in response.text
    assert f"https://wa.me/447700900555?text=link%20{code}" in response.text
    assert "expires Mon 30 Nov 2026" in response.text
    assert (
        f"<code>link {code}</code>" in response.text
        and 'href="http://testserver/"' in response.text
    )
    with sessions() as session:
        link = session.execute(select(LinkCode)).scalar_one()
        assert link.young_person_id == ident and link.created_by_id == staff["sam"].id
        assert code not in link.code_hash
    # Only once: the record page does not show it again.
    assert code not in sam.get(f"/staff/young-people/{ident}").text
    created = audits(sessions, "link_code_created")
    assert [(e.actor, e.subject_id) for e in created] == [(f"staff:{staff['sam'].id}", str(ident))]


# My settings -------------------------------------------------------------------------------


def test_my_notification_settings(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account]
) -> None:
    sam = browser("sam")
    page = sam.get("/staff/me")
    assert page.status_code == 200 and "Not linked" in page.text
    assert "New escalations for you go to: your email, sam.dashboard@example.org." in " ".join(
        page.text.split()
    )
    token = csrf_token(sam)
    with sessions() as session:
        account = session.get(StaffAccount, staff["sam"].id)
        before = (account.notify_email, account.notify_telegram)
    # Sam is a named PA and his Telegram is not linked: email off would reach nobody.
    refused = sam.post(
        "/staff/me/notifications", data={"csrf_token": token, "notify_telegram": "on"}
    )
    assert refused.status_code == 400
    assert "keep at least one way to be told" in refused.text
    with sessions() as session:
        account = session.get(StaffAccount, staff["sam"].id)
        assert (account.notify_email, account.notify_telegram) == before  # unchanged
    with sessions.begin() as session:
        session.get(StaffAccount, staff["sam"].id).telegram_chat_id = "7001"
    response = sam.post(
        "/staff/me/notifications", data={"csrf_token": token, "notify_telegram": "on"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/me"
    with sessions() as session:
        account = session.get(StaffAccount, staff["sam"].id)
        assert (account.notify_email, account.notify_telegram) == (False, True)
    assert audits(sessions, "notification_settings_changed")
    assert "go to: your Telegram." in " ".join(sam.get("/staff/me").text.split())


def test_link_my_telegram(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account]
) -> None:
    sam = browser("sam")
    response = sam.post("/staff/me/telegram-code", data={"csrf_token": csrf_token(sam)})
    assert response.status_code == 200
    code = re.search(
        r'<p class="code" aria-label="Link code">([A-Z0-9]+)</p>', response.text
    ).group(1)
    assert f"<code>/start {code}</code>" in response.text
    assert f"https://t.me/{TELEGRAM_BOT}?start={code}" in response.text
    with sessions() as session:
        link = session.execute(select(LinkCode)).scalar_one()
        assert (link.purpose, link.staff_id, link.young_person_id) == (
            "staff",
            staff["sam"].id,
            None,
        )


# Audit log and unanswered questions ---------------------------------------------------------------


def test_the_audit_log_is_paged_newest_first(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    with sessions.begin() as session:
        for n in range(150):
            session.add(
                AuditEvent(
                    at=clock.now() + timedelta(seconds=n),
                    actor="bot",
                    action=f"test_event_{n:03d}",
                    detail={"n": n},
                )
            )
    admin = browser("admin")
    first = admin.get("/staff/audit")
    assert first.status_code == 200
    assert first.text.count("<tr>") == 100 + 1  # the header row too
    assert first.text.index("test_event_149") < first.text.index("test_event_050")
    assert "test_event_049" not in first.text and 'href="/staff/audit?page=2"' in first.text
    second = admin.get("/staff/audit?page=2")
    assert "test_event_049" in second.text and "test_event_149" not in second.text
    assert admin.get("/staff/audit?page=nonsense").status_code == 200
    assert browser("sam").get("/staff/audit").status_code == 403
    assert browser("editor").get("/staff/audit").status_code == 403


def test_a_manager_sees_audit_of_their_team(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    browser("sam").get(f"/staff/young-people/{yp_id(sessions, 'demo-19')}")
    browser("tom").get(f"/staff/young-people/{yp_id(sessions, 'demo-cambs-19')}")
    html = browser("manager").get("/staff/audit").text
    assert f"Sam Ortiz (staff:{staff['sam'].id})" in html
    assert f"staff:{staff['tom'].id}" not in html


def test_unanswered_questions_for_editors(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    now = clock.now()
    for ref in ("demo-19", "demo-17", "demo-cambs-19"):
        add_message(
            sessions, ref, now, "Can I get  help with a DRIVING licence?", intent="nlu_fallback"
        )
    add_message(
        sessions, "demo-19", now, "can i get help with a driving licence?", intent="nlu_fallback"
    )
    add_message(sessions, "demo-16", now, ARABIC, intent="out_of_scope")
    add_message(sessions, "demo-16", now, "council tax please", intent="council_tax")
    add_message(
        sessions, "demo-18", now - timedelta(days=40), "an old question", intent="nlu_fallback"
    )
    page = browser("editor").get("/staff/unanswered")
    assert page.status_code == 200
    html = page.text
    assert "Can I get help with a DRIVING licence?" in html
    assert re.search(r"DRIVING licence\?</p></td>\s*<td>4</td>", html)
    assert f'<p class="text" dir="auto">{ARABIC}</p>' in html
    assert "council tax please" not in html and "an old question" not in html
    for name_or_ref in ("Jay", "Mo", "Alex", "Kai", "demo-19", "demo-16"):
        assert not re.search(rf"\b{name_or_ref}\b", html), name_or_ref
    viewed = audits(sessions, "viewed_unanswered")
    assert [(e.actor, e.detail["messages"]) for e in viewed] == [(f"staff:{staff['editor'].id}", 5)]
    assert browser("admin").get("/staff/unanswered").status_code == 200
    assert browser("sam").get("/staff/unanswered").status_code == 403
    assert browser("manager").get("/staff/unanswered").status_code == 403


def test_the_stylesheet_is_served_by_the_dashboard(client: TestClient) -> None:
    css = client.get("/staff/static/dashboard.css")
    assert css.status_code == 200 and ".overdue" in css.text
    assert css.headers["x-frame-options"] == "DENY"
    assert css.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_risk_escalation_says_why_the_bot_raised_it(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    signals = [
        {
            "source": "lexicon",
            "category": "abuse_violence",
            "detail": '"he is hitting me"',
            "language": "en",
        },
        {
            "source": "classifier",
            "category": "abuse_violence",
            "detail": "abuse_violence 0.91 (hitting, again)",
            "language": None,
        },
    ]
    esc = make_escalation(
        sessions,
        "demo-19",
        clock.now(),
        reason="abuse_violence",
        urgency="urgent",
        risk_signals=signals,
    )
    page = browser("sam").get(f"/staff/escalations/{esc}")
    assert page.status_code == 200
    assert "Risk: violence, threats or abuse" in page.text
    assert "Why the bot raised a risk" in page.text
    assert 'Risk phrase matched: <span dir="auto">&#34;he is hitting me&#34;</span>' in page.text
    assert (
        'Risk classifier: <span dir="auto">abuse_violence 0.91 (hitting, again)</span>' in page.text
    )


def test_a_manager_home_shows_what_was_passed_to_them(
    browser: Browser, sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    manager = browser("manager")
    assert "Nothing needs you right now." in manager.get("/staff/").text
    overdue = make_escalation(
        sessions, "demo-19", now, urgency="urgent", reescalated_at=now - timedelta(minutes=5)
    )
    calm = make_escalation(sessions, "demo-18", now)  # Sam's, not overdue: not the manager's
    page = manager.get("/staff/").text
    assert f"/staff/escalations/{overdue}" in page
    assert f"/staff/escalations/{calm}" not in page
    with sessions.begin() as session:
        session.get(Escalation, overdue).status = "resolved"
    assert "Nothing needs you right now." in manager.get("/staff/").text
