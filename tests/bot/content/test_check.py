"""`carebot content check`: one broken file per rule, with the exact line the staff member sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import check_offer, load_offer
from bot.content.loader import REVIEW_EVERY
from bot.settings import PROJECT_ROOT
from tests.bot.content.support import GOOD, TODAY, TOPIC, build_content


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A small, valid content tree: the real schema and baseline, one test council."""
    return build_content(tmp_path)


def lines(root: Path, severity: str = "error") -> list[str]:
    result = check_offer(root, today=TODAY)
    return [str(p) for p in result.problems if p.severity == severity]


def test_the_fixture_is_valid(content: Path) -> None:
    assert lines(content) == []
    assert load_offer(content, today=TODAY).topic("testshire", "council_tax") is not None


def test_shipped_content_passes() -> None:
    result = check_offer(PROJECT_ROOT / "offer_content")
    assert [str(p) for p in result.errors] == []


F = TOPIC

CASES = [
    (
        "yaml-syntax",
        lambda s: s.replace("title: Council tax", "title: [Council tax"),
        f"{F}:4: yaml: not valid YAML (expected ',' or ']', but got ':'); check indentation and quotes",
    ),
    (
        "unknown-field",
        lambda s: s.replace("owner: Test team", "owner: Test team\ncolour: blue"),
        f"{F}:18: colour: unknown field; expected one of amounts, answer, contacts, detail, examples, "
        "id, last_reviewed, links, owner, related, sources, title, translations, variants",
    ),
    (
        "missing-field",
        lambda s: s.replace("owner: Test team\n", ""),
        f"{F}:2: owner: missing; this field is required",
    ),
    (
        "wrong-type",
        lambda s: s.replace("title: Council tax", "title: 42"),
        f"{F}:3: title: expected text, got a number",
    ),
    (
        "answer-too-long",
        lambda s: s.replace("Your PA sorts it out.", "x" * 600),
        f"{F}:4: answer: 655 characters is too long; keep it to 600 (one phone screen is about 330)",
    ),
    (
        "bad-date",
        lambda s: s.replace('last_reviewed: "2026-11-01"', "last_reviewed: 1 Nov 2026"),
        f"{F}:18: last_reviewed: '1 Nov 2026' is not valid; expected a date like 2026-11-01",
    ),
    (
        "impossible-date",
        lambda s: s.replace('"2026-11-01"', '"2026-13-01"'),
        f"{F}:18: last_reviewed: '2026-13-01' is not a real date; expected a date like 2026-11-01",
    ),
    (
        "unknown-related-topic",
        lambda s: s.replace("related: [housing]", "related: [hosuing]"),
        f"{F}:14: related[0]: 'hosuing' is not a topic of testshire or the national baseline; "
        "expected an existing topic id",
    ),
    (
        "expired-amount",
        lambda s: s.replace(
            'valid_from: "2025-01-01"', 'valid_from: "2025-01-01"\n    valid_until: "2026-03-31"'
        ),
        f"{F}:13: amounts.grant.valid_until: this amount ended on 2026-03-31; update it from a current "
        "source or remove it and tell people to ask their PA",
    ),
    (
        "unknown-amount",
        lambda s: s.replace("Your PA sorts it out.", "You get {amount:grnat}."),
        f"{F}:4: answer: {{amount:grnat}} names no amount; expected one of grant",
    ),
    (
        "unknown-placeholder",
        lambda s: s.replace("Your PA sorts it out.", "Ask {name}."),
        f"{F}:4: answer: {{name}} is not a placeholder the bot knows; expected {{amount:ID}} or no braces",
    ),
    (
        "bad-age-band",
        lambda s: s.replace(
            "related: [housing]",
            'variants:\n  - when: {age_bands: ["18-21"]}\n'
            "    answer: Yes, from 18 you can get it.\nrelated: [housing]",
        ),
        f"{F}:15: variants[0].when.age_bands[0]: '18-21' is not allowed; expected one of 16-17, 18-20, "
        "21-25",
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [(e, x) for _, e, x in CASES], ids=[name for name, _, _ in CASES]
)
def test_each_rule_reports_the_exact_line(content: Path, edit, expected: str) -> None:
    path = content / "testshire" / "council_tax.yml"
    path.write_text(edit(GOOD))
    assert lines(content) == [expected]
    with pytest.raises(ValueError, match="^" + expected.split(":")[0]):
        load_offer(content, today=TODAY)


def test_duplicate_topic_id(content: Path) -> None:
    (content / "testshire" / "council_tax_copy.yml").write_text(
        GOOD.replace("can i get council tax paid", "council tax again")
    )
    assert lines(content) == [
        "offer_content/testshire/council_tax_copy.yml:2: id: 'council_tax' is already used by "
        "offer_content/testshire/council_tax.yml; each topic id appears once per council"
    ]


def test_example_shared_by_two_topics(content: Path) -> None:
    (content / "testshire" / "housing.yml").write_text(
        GOOD.replace("id: council_tax", "id: housing")
        .replace("title: Council tax", "title: Housing")
        .replace("related: [housing]", "related: [council_tax]")
        .replace("can i get council tax paid", "Can I get council-tax paid?")
    )
    assert lines(content) == [
        "offer_content/testshire/housing.yml:20: examples[0]: 'Can I get council-tax paid?' is also "
        "an example of 'council_tax' (offer_content/testshire/council_tax.yml:20); each example "
        "question belongs to one topic"
    ]


def test_council_file_must_name_its_folder(content: Path) -> None:
    (content / "testshire" / "council.yml").write_text(
        "id: testshire-east\nname: Testshire\nowner: Test team\n"
    )
    assert lines(content) == [
        "offer_content/testshire/council.yml:1: id: 'testshire-east' is not this folder's council; "
        "expected 'testshire' (the folder name)"
    ]


def test_council_folder_needs_a_council_file(content: Path) -> None:
    (content / "nowhere").mkdir()
    (content / "nowhere" / "housing.yml").write_text(GOOD)
    assert lines(content) == [
        "offer_content/nowhere/council.yml:1: file: missing; every council folder needs a "
        "council.yml with its id, name and owner"
    ]


def test_baseline_must_cover_every_required_topic(content: Path) -> None:
    (content / "national" / "parenting.yml").unlink()
    assert lines(content) == [
        "offer_content/national/parenting.yml:1: file: missing; the baseline must answer "
        "'parenting' for every council"
    ]


def test_not_utf8(content: Path) -> None:
    (content / "testshire" / "council_tax.yml").write_bytes(GOOD.encode("utf-16"))
    assert lines(content) == [f"{F}:1: file: not UTF-8 text; save the file as UTF-8"]


def test_old_review_is_a_warning_not_an_error(content: Path) -> None:
    old = (TODAY - REVIEW_EVERY - REVIEW_EVERY / 365).isoformat()
    path = content / "testshire" / "council_tax.yml"
    path.write_text(GOOD.replace('"2026-11-01"', f'"{old}"'))
    assert lines(content) == []
    assert (
        f"{F}:18: last_reviewed: warning: last reviewed {old}, over 12 months ago; check it "
        "against its sources and update the date" in lines(content, "warning")
    )


def test_missing_stale_and_draft_translations_are_warnings(content: Path) -> None:
    path = content / "testshire" / "council_tax.yml"
    offer = load_offer(content, today=TODAY)
    current = offer.topic("testshire", "council_tax").english_hash()
    result = check_offer(content, today=TODAY, languages=["ar"])
    assert f"{F}:2: translations: warning: no ar translation; add one (source_hash: {current})" in [
        str(p) for p in result.warnings
    ]

    translated = GOOD + (
        "translations:\n  ar:\n    status: draft\n    source_hash: abcdef000000\n"
        "    title: ضريبة المجلس\n    answer: نعم، لا تدفع ضريبة المجلس حتى سن 25.\n"
    )
    path.write_text(translated)
    warnings = [str(p) for p in check_offer(content, today=TODAY, languages=["ar"]).warnings]
    assert (
        f"{F}:22: translations.ar: warning: stale: the English changed since this was "
        f"translated; update it and set source_hash: {current}" in warnings
    )
    assert (
        f"{F}:23: translations.ar.status: warning: draft translation awaiting review by a "
        "qualified translator" in warnings
    )
    assert lines(content) == []


def test_safety_numbers_are_checked(content: Path) -> None:
    services = content / "safety_services.yml"
    text = services.read_text()
    services.write_text(text.replace("services: [shelter]", "services: [shelterr]", 1))
    assert any("'shelterr' is not in `services`" in line for line in lines(content))
    services.write_text(text.replace('phone: "116 123"', 'phone: "call us"'))
    assert any(
        "safety_services.yml" in line and "samaritans.phone" in line for line in lines(content)
    )
    services.write_text(text)
    old = text.replace('checked_on: "2026-12-06"', 'checked_on: "2025-01-01"')
    services.write_text(old)
    assert any("last checked on 2025-01-01" in line for line in lines(content, "warning"))
    services.unlink()
    assert any("safety_services.yml" in line and "missing" in line for line in lines(content))


def test_safety_services_follow_age(content: Path) -> None:
    safety = load_offer(content, today=TODAY).safety
    assert safety is not None
    adult = [s.id for s in safety.for_category("suicide_self_harm", 22)]
    child = [s.id for s in safety.for_category("suicide_self_harm", 16)]
    older = [s.id for s in safety.for_category("suicide_self_harm", 40)]
    assert adult == ["samaritans", "shout", "papyrus"]
    assert child[0] == "childline" and "papyrus" not in older
