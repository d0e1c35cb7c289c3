"""Charts on the pages, drawn by static/js/charts.js from a spec in the canvas's
``data-chart`` attribute (no inline script: strict CSP).

Reusable by every section of the statistics page (and any other page):

    from web.charts import Series, chart_spec
    chart = chart_spec("by_town", rows, label=lambda row: row["label"],
                       series=[Series("requests", _("Requests"))],
                       x_title=_("Town"), y_title=_("Number of requests"))
    {% include "web/includes/chart.html" with chart=chart title=_("By town") %}

A chart without any figure is ``empty``; the include then says "No data in this period."
instead of drawing an empty grid. The same numbers belong in a table next to the chart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Series:
    key: str  # the row's key holding the value
    label: str  # the legend's text
    axis: str = "y"  # "y" (bars, left axis) or "y1" (line, right axis)


def chart_spec(
    chart_id: str,
    rows: Sequence[dict[str, Any]],
    *,
    label: Callable[[dict[str, Any]], str],
    series: Sequence[Series],
    x_title: str,
    y_title: str,
    y1_title: str = "",
    y_counts: bool = True,
) -> dict[str, Any]:
    """What one chart draws: labels, datasets, axis titles; ``empty`` when no row has a
    figure other than zero. ``y_counts``: the left axis counts (whole-number ticks)."""
    datasets = [
        {
            "label": str(one.label),
            "data": [row.get(one.key) for row in rows],
            "axis": one.axis,
        }
        for one in series
    ]
    empty = not any(value for dataset in datasets for value in dataset["data"])
    spec = {
        "id": chart_id,
        "labels": [str(label(row)) for row in rows],
        "datasets": datasets,
        "x_title": str(x_title),
        "y_title": str(y_title),
        "y1_title": str(y1_title),
        "y_counts": y_counts,
    }
    return {**spec, "empty": empty, "json": json.dumps(spec, ensure_ascii=False)}
