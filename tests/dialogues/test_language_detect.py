"""Noticing the language a message is written in (by script and letters)."""

from __future__ import annotations

import pytest

from dialogues.language_detect import detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("هل يمكنني الحصول على مساعدة في ضريبة المجلس", "ar"),
        ("آیا می‌توانم کمک مالیات شورا بگیرم؟ من پول ندارم", "fa_AF"),
        ("زه مرستې ته اړتیا لرم، کور نه لرم", "ps"),
        ("دەمەوێت یارمەتی وەربگرم", "ckb"),
        ("ሓገዝ የድልየኒ እዩ", "ti"),
        ("Tôi cần giúp đỡ về tiền thuê nhà", "vi"),
        ("Unë kam nevojë për ndihmë me qiranë", "sq"),
        ("can I get council tax paid", None),
        ("ok", None),
        ("😀😀😀", None),
        ("", None),
    ],
)
def test_detects_the_shipped_languages(text: str, language: str | None) -> None:
    assert detect(text) == language


def test_a_few_arabic_words_in_an_english_message_are_not_arabic() -> None:
    assert detect("my PA said شكرا but can I get council tax paid please") is None
