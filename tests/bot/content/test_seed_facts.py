"""Every offer fact in the seed documents is in the content or in offer_content/GAPS.md.

offer_content/seed_facts.yml lists the facts; each is `covered_by` a topic (its `phrase`
must be in that topic's English) or is a `gap` with a row in GAPS.md saying why not."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import NATIONAL, Offer, load_offer
from bot.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "offer_content"
SEEDS = Path(os.environ.get("CAREBOT_SEEDS_DIR") or PROJECT_ROOT.parent / "shared" / "seeds")
REASONS = (
    "aspiration",
    "staff-only",
    "not an offer",
    "unclear",
    "contact detail",
    "out of date",
    "not in the seeds",
)
English = Callable[[str, str], "str | None"]


@dataclass(frozen=True)
class Gap:
    id: str
    council: str
    seed: str
    fact: str
    why: str


def normalise(text: str) -> str:
    """Compare words, not typography: markdown stars, curly quotes, dashes, spacing, case."""
    text = text.replace("*", "").translate(str.maketrans("‘’“”–—", "''\"\"--"))
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(text.split()).casefold()


def read_facts(path: Path = CONTENT / "seed_facts.yml") -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_gaps(path: Path = CONTENT / "GAPS.md") -> list[Gap]:
    """The table rows of GAPS.md (header and separator rows left out)."""
    gaps = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] in ("id", "") or set(cells[0]) <= set("-: "):
            continue
        assert len(cells) == 5, f"GAPS.md row needs 5 cells (id|council|seed|fact|why): {line}"
        gaps.append(Gap(*cells))
    return gaps


def english_of(offer: Offer) -> English:
    """A topic's English as the young person can be sent it: answer, detail, variants."""

    def english(council: str, topic_id: str) -> str | None:
        topic = offer.topics.get(council, {}).get(topic_id)
        if topic is None:
            return None
        parts = [topic.answer, topic.detail or ""]
        parts += [f"{v.answer} {v.detail or ''}" for v in topic.variants]
        return normalise(" ".join(parts))

    return english


def gap_problems(gaps: list[Gap], councils: set[str], seeds: set[str]) -> list[str]:
    problems = []
    ids = [g.id for g in gaps]
    problems += [f"{i}: two GAPS.md rows" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for gap in gaps:
        if gap.council not in councils:
            problems.append(f"{gap.id}: {gap.council!r} is not a council folder")
        if gap.seed not in seeds:
            problems.append(f"{gap.id}: {gap.seed!r} is not a seed file")
        if not gap.fact:
            problems.append(f"{gap.id}: no fact")
        reason, _, why = gap.why.partition(":")
        if reason not in REASONS or not why.strip():
            problems.append(f"{gap.id}: the reason must be '<{'|'.join(REASONS)}>: why'")
    return problems


def coverage_problems(facts: list[dict[str, Any]], gaps: list[Gap], english: English) -> list[str]:
    """Each fact is covered (its phrase is in the topic's English) or has its GAPS.md row,
    and each GAPS.md row belongs to a fact."""
    problems = []
    rows = {g.id: g for g in gaps}
    for fact in facts:
        covered, gap = fact.get("covered_by"), fact.get("gap")
        if (covered is None) == (gap is None):
            problems.append(f"{fact['id']}: give either covered_by (with phrase) or gap")
        elif covered is not None:
            problems += _covered(fact, covered, english)
        elif gap not in rows:
            problems.append(f"{fact['id']}: gap {gap!r} has no row in GAPS.md")
        elif (rows[gap].council, rows[gap].seed) != (fact["council"], fact["seed"]):
            problems.append(f"{fact['id']}: its GAPS.md row names another council or seed")
    used = {f.get("gap") for f in facts}
    problems += [
        f"{g.id}: GAPS.md row with no fact in seed_facts.yml" for g in gaps if g.id not in used
    ]
    return problems


def _covered(fact: dict[str, Any], covered: str, english: English) -> list[str]:
    council, _, topic_id = covered.partition("/")
    if council not in (fact["council"], NATIONAL):
        return [f"{fact['id']}: covered_by {covered} is not {fact['council']}'s content"]
    if council == NATIONAL and english(fact["council"], topic_id) is not None:
        return [f"{fact['id']}: {fact['council']} has its own {topic_id}; cover the fact there"]
    text = english(council, topic_id)
    if text is None:
        return [f"{fact['id']}: no topic {covered}"]
    if not fact.get("phrase") or normalise(fact["phrase"]) not in text:
        return [f"{fact['id']}: {fact.get('phrase')!r} is no longer in {covered}'s English"]
    return []


@pytest.fixture(scope="module")
def offer() -> Offer:
    return load_offer(CONTENT)


def test_every_gaps_row_names_a_council_a_seed_and_a_reason(offer: Offer) -> None:
    seeds = set(read_facts()["seeds"])
    assert gap_problems(read_gaps(), set(offer.councils), seeds) == []


def test_every_seed_fact_is_in_the_content_or_in_gaps(offer: Offer) -> None:
    data = read_facts()
    facts = data["facts"]
    ids = [f["id"] for f in facts]
    assert len(ids) == len(set(ids)), "fact ids must be unique"
    for fact in facts:
        assert data["seeds"].get(fact["seed"]) == fact["council"], fact["id"]
        assert fact["quote"].strip(), fact["id"]
    assert coverage_problems(facts, read_gaps(), english_of(offer)) == []
    assert {f["council"] for f in facts} == set(offer.councils)


def test_removing_a_covered_fact_or_a_gap_row_fails(offer: Offer) -> None:
    facts, gaps = read_facts()["facts"], read_gaps()
    real = english_of(offer)
    bursary = next(f for f in facts if f["id"] == "ply-bursaries")

    def without_bursaries(council: str, topic_id: str) -> str | None:
        text = real(council, topic_id)
        return text and text.replace(normalise(bursary["phrase"]), "")

    assert coverage_problems(facts, gaps, without_bursaries) == [
        "ply-bursaries: '3 bursaries each academic year' is no longer in plymouth/university's English"
    ]
    assert coverage_problems(facts, [g for g in gaps if g.id != "cam-k9"], real) == [
        "cam-k9: gap 'cam-k9' has no row in GAPS.md"
    ]
    stray = Gap("cam-new", "cambridgeshire", "002_b6155456e98d9d16.txt", "x", "unclear: y")
    assert coverage_problems(facts, [*gaps, stray], real) == [
        "cam-new: GAPS.md row with no fact in seed_facts.yml"
    ]
    assert gap_problems([Gap("a", "atlantis", "nope.txt", "", "because")], {"plymouth"}, set()) == [
        "a: 'atlantis' is not a council folder",
        "a: 'nope.txt' is not a seed file",
        "a: no fact",
        f"a: the reason must be '<{'|'.join(REASONS)}>: why'",
    ]


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seed documents are not at {SEEDS}")
def test_the_seed_list_and_every_quote_match_the_seed_documents() -> None:
    data = read_facts()
    assert set(data["seeds"]) == {p.name for p in SEEDS.glob("*.txt")}
    texts = {name: normalise((SEEDS / name).read_text(encoding="utf-8")) for name in data["seeds"]}
    missing = [f["id"] for f in data["facts"] if normalise(f["quote"]) not in texts[f["seed"]]]
    assert missing == [], "these quotes are not word for word in their seed file"
    unnamed = ("plymouth", "cambridgeshire", "cheshire east")
    national = [name for name, council in data["seeds"].items() if council is None]
    assert all(not any(c in texts[name] for c in unnamed) for name in national)
