"""An answer's first message leads with the fact (not "Yes -") and fits one phone screen,
in English and every translation; `carebot content check` says where, in which language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import check_offer
from bot.content.first_message import (
    SCREEN_COLUMNS,
    SCREEN_LINES,
    YES_NO,
    screen_lines,
    yes_no_opening,
)
from bot.i18n import SOURCE_LANGUAGE, available_languages
from bot.settings import PROJECT_ROOT
from tests.bot.content.support import GOOD, TODAY, TOPIC, build_content

LEAD = "Testshire care leavers don't pay council tax until 25."
ARABIC = "\n".join(
    [
        "translations:",
        "  ar:",
        "    status: draft",
        "    source_hash: abcdef000000",
        "    title: ضريبة المجلس",
        "    answer: {answer}",
        "",
    ]
)
ADVICE = (
    'lead with the fact instead ("Care leavers in Plymouth don\'t pay council tax until 25"), '
    "so it is right however the question was asked"
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return build_content(tmp_path)


def problems(root: Path, severity: str) -> list[str]:
    return [str(p) for p in check_offer(root, today=TODAY).problems if p.severity == severity]


def opening(root: Path) -> list[str]:
    return [line for line in problems(root, "warning") if "starts with" in line]


def test_an_answer_that_starts_with_yes_is_a_warning_naming_council_topic_and_language(
    content: Path,
) -> None:
    (content / "testshire" / "council_tax.yml").write_text(
        GOOD.replace(LEAD, "Yes - you don't pay council tax until you're 25.")
    )
    assert opening(content) == [
        f"{TOPIC}:4: answer: warning: testshire/council_tax (en) starts with 'Yes': {ADVICE}"
    ]
    assert problems(content, "error") == []  # a warning: the bot still serves it


def test_a_translation_that_starts_with_a_translated_yes_is_a_warning(content: Path) -> None:
    answer = "نعم، لا تدفع ضريبة المجلس حتى سن 25."
    (content / "testshire" / "council_tax.yml").write_text(GOOD + ARABIC.format(answer=answer))
    assert opening(content) == [
        f"{TOPIC}:26: translations.ar.answer: warning: testshire/council_tax (ar) starts with "
        f"'نعم': {ADVICE}"
    ]


def test_a_fact_that_starts_with_the_word_for_not_is_fine(content: Path) -> None:
    answer = "لا تدفع ضريبة المجلس حتى سن 25، إذا غادرت رعاية تستشاير."
    (content / "testshire" / "council_tax.yml").write_text(GOOD + ARABIC.format(answer=answer))
    assert opening(content) == []


def test_a_variant_is_checked_too(content: Path) -> None:
    variant = (
        'variants:\n  - when: {age_bands: ["16-17"]}\n'
        "    answer: Not yet - it starts when you move out.\nrelated:"
    )
    (content / "testshire" / "council_tax.yml").write_text(GOOD.replace("related:", variant, 1))
    assert opening(content) == [
        f"{TOPIC}:16: variants[0].answer: warning: testshire/council_tax (en) starts with "
        f"'Not yet': {ADVICE}"
    ]


@pytest.mark.parametrize(
    ("language", "text", "word"),
    [
        ("en", "Yes - you don't pay council tax.", "Yes"),
        ("en", "yeah you can get it", "yeah"),
        ("en", "No, you don't pay council tax.", "No"),
        ("en", "Maybe - it depends on your council.", "Maybe"),
        ("en", "No one pays council tax here until 25.", None),
        ("en", "Yesterday's offer still stands.", None),
        ("en", "Sure Start centres can help.", None),
        ("en_easy", "Yes. You do not pay council tax.", "Yes"),
        ("ar", "نعم، لا تدفع ضريبة المجلس.", "نعم"),
        ("ar", "لا، لا تدفع ضريبة المجلس.", "لا"),
        ("ar", "Yes - this one was not translated.", "Yes"),
        ("ar", "لا يزال بإمكانك الحصول على المساعدة.", None),
        ("fa_AF", "بله، تا 25 سالگی مالیه نمی‌پردازید.", "بله"),
        ("fa_AF", "بلی - مشاور شما کمک می‌کند.", "بلی"),
        ("fa_AF", "نه تنها مالیه، بلکه کرایه هم.", None),
        ("ps", "هو، تاسو مالیه نه ورکوئ.", "هو"),
        ("ps", "نه، تاسو باید ورنکړئ.", "نه"),
        ("ckb", "بەڵێ، باج نادەیت.", "بەڵێ"),
        ("ckb", "نەخێر، باج نادەیت.", "نەخێر"),
        ("sq", "Po, ju nuk paguani taksën.", "Po"),
        ("sq", "Jo, ju nuk paguani.", "Jo"),
        ("sq", "Po të jeni 18 vjeç, merrni kartën.", None),
        ("ti", "እወ፣ ግብሪ ኣይትኸፍልን ኢኻ።", "እወ"),
        ("ti", "የለን፣ ኣይትኸፍልን።", "የለን"),
        ("vi", "Có, bạn không phải trả thuế.", "Có"),
        ("vi", "Không, bạn không phải trả.", "Không"),
        ("vi", "Có nhiều cách để được giúp.", None),
        ("vi", "Không ai phải trả thuế này.", None),
    ],
)
def test_yes_and_no_in_every_shipped_language(language: str, text: str, word: str | None) -> None:
    assert yes_no_opening(text, language) == word


def test_every_shipped_language_has_its_yes_and_no() -> None:
    shipped = set(available_languages()) - {SOURCE_LANGUAGE}
    assert shipped <= set(YES_NO), f"add yes/no words for {sorted(shipped - set(YES_NO))}"


def test_the_shipped_content_leads_with_facts() -> None:
    result = check_offer(PROJECT_ROOT / "offer_content")
    assert [str(p) for p in result.problems if "starts with" in p.message] == []
    assert [str(p) for p in result.problems if "one screen" in p.message] == []


def words(count: int) -> str:
    """`count` ten-letter words: three fit on a line of 33 columns."""
    return " ".join(["abcdefghij"] * count)


def test_screen_lines_wrap_like_a_phone_bubble() -> None:
    assert SCREEN_COLUMNS == 33 and SCREEN_LINES == 10
    assert screen_lines(words(3)) == 1
    assert screen_lines(words(4)) == 2
    assert screen_lines("one\n\ntwo") == 3  # a blank line is a line
    assert screen_lines("x" * 70) == 3  # a word too long for a line breaks anywhere
    assert screen_lines("£3,000 " * 4) == screen_lines("{amount:grant} " * 4)  # sent as money
    assert screen_lines("ሀ" * 20) == 1 and screen_lines("ሀ" * 21) == 2  # Ge'ez is wider


def test_an_answer_over_one_screen_is_an_error(content: Path) -> None:
    path = content / "testshire" / "council_tax.yml"
    path.write_text(GOOD.replace(LEAD + " Your PA sorts it out.", words(3 * SCREEN_LINES)))
    assert problems(content, "error") == []
    path.write_text(GOOD.replace(LEAD + " Your PA sorts it out.", words(3 * SCREEN_LINES + 1)))
    assert problems(content, "error") == [
        f"{TOPIC}:4: answer: testshire/council_tax (en) is about 11 lines on a phone, over one "
        "screen (10 lines, about 330 characters); shorten it or move some to the detail"
    ]


def test_a_long_translation_is_an_error_in_its_language(content: Path) -> None:
    answer = " ".join(["ضريبة المجلس"] * 40)
    (content / "testshire" / "council_tax.yml").write_text(GOOD + ARABIC.format(answer=answer))
    (line,) = problems(content, "error")
    assert line.startswith(f"{TOPIC}:26: translations.ar.answer: testshire/council_tax (ar) is ")
