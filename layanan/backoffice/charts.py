"""Bar charts drawn on the server as SVG: the geometry is computed here, the markup is
``backoffice/includes/bar_chart.html``. No JavaScript and nothing fetched from elsewhere.

Bars are horizontal with the label written above each bar, so that long letter type names
need no truncation and the chart reads well on a phone.
"""

from dataclasses import dataclass

from django.utils.formats import number_format

WIDTH = 640
ROW_HEIGHT = 40
LABEL_OFFSET = 14  # baseline of the label, from the top of the row
BAR_OFFSET = 19  # top of the bar, from the top of the row
BAR_HEIGHT = 14
VALUE_GAP = 6
VALUE_SPACE = 70  # kept free right of the longest bar for its number
PADDING = 4


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    value_text: str
    label_y: int
    bar_y: int
    bar_width: float
    value_x: float
    value_y: int


@dataclass(frozen=True)
class BarChart:
    """What the template needs to draw one chart; ``dom_id`` ties its title and description."""

    dom_id: str
    title: str
    category: str  # what the bars are: the header of the table beside the chart
    description: str
    width: int
    height: int
    bar_height: int
    bars: list[Bar]


def bar_chart(*, dom_id: str, title: str, category: str, rows: list[tuple[str, int]]) -> BarChart:
    """A horizontal bar chart of ``rows`` (label, value), bars scaled to the largest value."""
    largest = max((value for _label, value in rows), default=0)
    scale = (WIDTH - VALUE_SPACE) / largest if largest else 0
    bars = []
    for index, (label, value) in enumerate(rows):
        top = PADDING + index * ROW_HEIGHT
        width = round(value * scale, 1)
        bars.append(
            Bar(
                label=label,
                value=value,
                value_text=number_format(value, force_grouping=True),
                label_y=top + LABEL_OFFSET,
                bar_y=top + BAR_OFFSET,
                bar_width=width,
                value_x=round(width + VALUE_GAP, 1),
                value_y=top + BAR_OFFSET + BAR_HEIGHT - 2,
            )
        )
    description = "; ".join(f"{bar.label}: {bar.value_text}" for bar in bars)
    return BarChart(
        dom_id=dom_id,
        title=title,
        category=category,
        description=description,
        width=WIDTH,
        height=max(len(bars), 1) * ROW_HEIGHT + 2 * PADDING,
        bar_height=BAR_HEIGHT,
        bars=bars,
    )
