"""The duty view's trend as small bar charts, laid out here and drawn as inline SVG by the
template: no JavaScript, nothing fetched, and each measure on its own scale."""

from __future__ import annotations

from dataclasses import dataclass

from bot.keeping_in_touch.duty_trend import MEASURES, Trend

WIDTH, HEIGHT = 320, 150
TOP, BOTTOM, SIDE = 20, 26, 6  # room for the values above and the months below


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    centre: float
    value: int
    month: str  # "Nov"
    month_long: str  # "Nov 2026"
    current: bool  # this month, so far


@dataclass(frozen=True)
class Chart:
    measure: str
    title: str
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]

    @property
    def summary(self) -> str:
        """The same figures in words, for screen readers."""
        return "; ".join(f"{b.month_long}: {b.value}" for b in self.bars)


def chart(trend: Trend, measure: str) -> Chart:
    values = [m.count(measure) for m in trend.months]
    peak = max(values) or 1
    slot = (WIDTH - 2 * SIDE) / len(values)
    room = HEIGHT - TOP - BOTTOM
    baseline = float(HEIGHT - BOTTOM)
    bars = []
    for i, (month, value) in enumerate(zip(trend.months, values, strict=True)):
        height = round(room * value / peak, 1)
        left = SIDE + i * slot
        bars.append(
            Bar(
                x=round(left + slot * 0.2, 1),
                y=round(baseline - height, 1),
                width=round(slot * 0.6, 1),
                height=height,
                centre=round(left + slot / 2, 1),
                value=value,
                month=month.first_day.strftime("%b"),
                month_long=month.label,
                current=i == len(values) - 1,
            )
        )
    return Chart(measure, MEASURES[measure], WIDTH, HEIGHT, baseline, tuple(bars))


def charts(trend: Trend) -> list[Chart]:
    return [chart(trend, measure) for measure in MEASURES]
