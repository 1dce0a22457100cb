"""A small, valid content tree for the content checks: the real schema, baseline and safety
numbers, and one test council with one topic."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from bot.settings import PROJECT_ROOT

TODAY = date(2026, 11, 22)
GOOD = """\
# yaml-language-server: $schema=../schema/topic.schema.json
id: council_tax
title: Council tax
answer: >-
  Testshire care leavers don't pay council tax until 25. Your PA sorts it out.
detail: >-
  Show any council tax letter to your PA.
amounts:
  grant:
    value: 100
    period: one-off
    valid_from: "2025-01-01"
    source: 000_344fa2139cbb4fd8.txt
related: [housing]
sources:
  - file: 000_344fa2139cbb4fd8.txt
owner: Test team
last_reviewed: "2026-11-01"
examples:
  - can i get council tax paid
"""
# How a problem in the test topic starts: file:line of its answer.
TOPIC = "offer_content/testshire/council_tax.yml"


def build_content(tmp_path: Path) -> Path:
    root = tmp_path / "offer_content"
    shutil.copytree(PROJECT_ROOT / "offer_content" / "schema", root / "schema")
    shutil.copytree(PROJECT_ROOT / "offer_content" / "national", root / "national")
    shutil.copy(PROJECT_ROOT / "offer_content" / "safety_services.yml", root)
    (root / "testshire").mkdir()
    (root / "testshire" / "council.yml").write_text(
        "id: testshire\nname: Testshire County Council\nowner: Test team\n"
    )
    (root / "testshire" / "council_tax.yml").write_text(GOOD)
    return root
