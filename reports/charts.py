"""Charts drawn on the server, so that the same picture appears in pages, in the PDF report and offline.

matplotlib draws them (a library made for the job: axes, ticks, layout, SVG and PNG from one figure).
Text is drawn as outlines (`svg.fonttype = path`), so an SVG shows Chinese on any machine, in any browser
and in WeasyPrint, without the reader having a CJK font; the server needs one (Noto Sans CJK, installed
by `make run` / `make test`, see scripts/ensure-system-packages) to draw the outlines.

Usage: build a `Chart` (`bar_chart`, `pie_chart`), then take `.svg()`, `.png()` or
`.data_uri()` (for `<img src>`: the page's CSP allows `data:` images, and an image keeps the SVG's ids
and styles apart from the page). Values may be Decimal or int: they are drawn, never computed with.
"""

from __future__ import annotations

import base64
import glob
import io
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

Number = int | float | Decimal

# The site's colours (static/css/chanjiao.css), then calm companions for further series.
PALETTE = ("#0b6bcb", "#b3261e", "#1b7f3b", "#b7791f", "#6b46c1", "#0e7490", "#9d174d", "#4d5b6a")
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9e2ec"

CJK_FAMILY = "Noto Sans CJK SC"
# Where Debian's fonts-noto-cjk (and common alternatives) put the files matplotlib may not index itself.
CJK_FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK*.ttc",
    "/usr/share/fonts/**/NotoSansCJK*.tt[cf]",
    "/usr/share/fonts/**/NotoSansSC*.[ot]tf",
    "/usr/share/fonts/**/wqy-*.tt[cf]",
)

# matplotlib's pyplot state is not thread-safe; the object API is, except font loading: one lock for both.
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _matplotlib():
    """Import matplotlib once, headless, with its cache under VAR_DIR (the home directory may be read-only)."""
    os.environ.setdefault("MPLCONFIGDIR", str(settings.VAR_DIR / "matplotlib"))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    family = _register_cjk_font(font_manager)
    matplotlib.rcParams.update(
        {
            "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
            "font.size": 10,
            "svg.fonttype": "path",
            "svg.hashsalt": "chanjiao",  # stable ids: the same chart gives the same bytes
            "axes.edgecolor": GRID,
            "axes.labelcolor": INK,
            "axes.titlecolor": INK,
            "axes.titlesize": 12,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "axes.unicode_minus": False,
        }
    )
    return matplotlib


def _register_cjk_font(font_manager) -> str | None:
    """The family name of a CJK font matplotlib can draw with, registering the file if it was not indexed."""
    try:
        font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False)
        return CJK_FAMILY
    except ValueError:
        pass
    for pattern in CJK_FONT_GLOBS:
        for path in sorted(glob.glob(pattern, recursive=True)):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
            names = {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
            if CJK_FAMILY in names:
                return CJK_FAMILY
            if names:
                return sorted(names)[0]
    logger.warning("No CJK font found: charts will show boxes instead of Chinese (install fonts-noto-cjk)")
    return None


def cjk_font_available() -> bool:
    from matplotlib import font_manager

    _matplotlib()
    family = font_manager.FontProperties(family=CJK_FAMILY)
    try:
        font_manager.findfont(family, fallback_to_default=False)
        return True
    except ValueError:
        return False


def _as_float(value) -> float:
    return float(value or 0)


def plain_number(value: Number) -> str:
    """1234567 → '1,234,567'; 1234.5 → '1,234.5' (labels on bars)."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]


@dataclass(frozen=True)
class Chart:
    """What to draw; drawing happens in `svg()` / `png()`."""

    kind: str  # "bar" or "pie"
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    horizontal: bool = False
    stacked: bool = False
    value_label: str = ""
    value_format: Callable[[Number], str] = plain_number
    size: tuple[float, float] = (6.4, 3.4)  # inches
    options: dict = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(_as_float(v) == 0 for s in self.series for v in s.values)

    def svg(self) -> str:
        """A standalone SVG document (text as outlines), with a viewBox so it scales to its box."""
        raw = self._render("svg").decode("utf-8")
        raw = re.sub(r"<\?xml[^>]*\?>\s*", "", raw)
        raw = re.sub(r"<!DOCTYPE[^>]*>\s*", "", raw)
        # The inline <style> would be refused by the page's CSP anyway; the drawing does not need it.
        raw = re.sub(r"<style[^>]*>.*?</style>", "", raw, flags=re.S)
        return raw.strip()

    def png(self, dpi: int = 150) -> bytes:
        return self._render("png", dpi=dpi)

    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg().encode("utf-8")).decode("ascii")

    def _render(self, fmt: str, dpi: int = 100) -> bytes:
        _matplotlib()
        from matplotlib.figure import Figure

        with _lock:
            figure = Figure(figsize=self.size, dpi=dpi)
            axes = figure.add_subplot()
            if self.is_empty:
                _draw_empty(axes)
            elif self.kind == "pie":
                _draw_pie(axes, self)
            else:
                _draw_bars(axes, self)
            if self.title:
                axes.set_title(self.title, loc="left", pad=10, fontweight="bold")
            figure.tight_layout()
            buffer = io.BytesIO()
            metadata = {"Date": None} if fmt == "svg" else None  # no timestamp: same chart, same bytes
            figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
            return buffer.getvalue()


def money(value: Number) -> str:
    """Amounts in CNY on bars: two decimals, thousands separated (123,456.50)."""
    return f"{Decimal(str(value)):,.2f}"


def _counts_only(chart: Chart) -> bool:
    """Every value is a whole count (int): the value axis then has whole ticks (no 0.5 claims)."""
    return all(isinstance(v, int) for s in chart.series for v in s.values)


def _style_axes(axes, *, value_axis: str, whole: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    thousands = FuncFormatter(
        lambda value, _position: f"{value:,.0f}" if value == int(value) else f"{value:,}"
    )
    axis = axes.xaxis if value_axis == "x" else axes.yaxis
    axis.set_major_formatter(thousands)
    if whole:
        axis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis=value_axis, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)


def _draw_empty(axes) -> None:
    from django.utils.translation import gettext as _

    axes.set_axis_off()
    axes.text(0.5, 0.5, _("No data"), ha="center", va="center", color=MUTED, transform=axes.transAxes)


def _draw_bars(axes, chart: Chart) -> None:
    count = len(chart.categories)
    positions = list(range(count))
    several = len(chart.series) > 1
    width = 0.8 if (chart.stacked or not several) else 0.8 / len(chart.series)
    bottoms = [0.0] * count
    for index, series in enumerate(chart.series):
        values = [_as_float(v) for v in series.values]
        colour = PALETTE[index % len(PALETTE)]
        if chart.stacked:
            offsets, base = positions, list(bottoms)
        else:
            shift = (index - (len(chart.series) - 1) / 2) * width if several else 0
            offsets, base = [p + shift for p in positions], [0.0] * count
        draw = axes.barh if chart.horizontal else axes.bar
        kwargs = {"left": base} if chart.horizontal else {"bottom": base}
        bars = draw(offsets, values, width, label=series.name, color=colour, **kwargs)
        if not chart.stacked:
            labels = [chart.value_format(v) if _as_float(v) else "" for v in series.values]
            axes.bar_label(bars, labels=labels, padding=2, fontsize=8, color=INK)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    if chart.stacked:
        # Totals at the end of each stacked bar.
        for position, total in zip(positions, bottoms, strict=True):
            if total:
                label = chart.value_format(total)
                if chart.horizontal:
                    axes.text(total, position, " " + label, va="center", fontsize=8, color=INK)
                else:
                    axes.text(position, total, label, ha="center", va="bottom", fontsize=8, color=INK)
    if chart.horizontal:
        axes.set_yticks(positions, list(chart.categories))
        axes.invert_yaxis()  # first category on top, as in a table
        axes.set_xlabel(chart.value_label)
        _style_axes(axes, value_axis="x", whole=_counts_only(chart))
        axes.margins(x=0.12)
    else:
        axes.set_xticks(positions, list(chart.categories))
        if count > 6 or max((len(c) for c in chart.categories), default=0) > 6:
            for label in axes.get_xticklabels():
                label.set_rotation(30)
                label.set_horizontalalignment("right")
        axes.set_ylabel(chart.value_label)
        _style_axes(axes, value_axis="y", whole=_counts_only(chart))
        axes.margins(y=0.12)
    if several:
        axes.legend(frameon=False, fontsize=8)


def _draw_pie(axes, chart: Chart) -> None:
    values = [_as_float(v) for v in chart.series[0].values]
    pairs = [(c, v) for c, v in zip(chart.categories, values, strict=True) if v > 0]
    total = sum(v for _, v in pairs)
    wedges, _ = axes.pie(
        [v for _, v in pairs],
        colors=[PALETTE[i % len(PALETTE)] for i in range(len(pairs))],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.42, "edgecolor": "white"},
    )
    labels = [f"{c}  {chart.value_format(v)}（{v / total:.0%}）" for c, v in pairs]
    axes.legend(wedges, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    axes.set_aspect("equal")


def bar_chart(
    title: str, categories: Sequence[str], series: Sequence[Series] | Sequence[Number], **options
) -> Chart:
    """Bars per category; `series` is a list of `Series` or, for one series, the plain values."""
    return Chart("bar", title, list(categories), _as_series(series), **options)


def pie_chart(title: str, categories: Sequence[str], values: Sequence[Number], **options) -> Chart:
    """A ring of shares, with a legend giving each value and its percentage."""
    return Chart("pie", title, list(categories), _as_series(values), **options)


def _as_series(series) -> list[Series]:
    series = list(series)
    if series and isinstance(series[0], Series):
        return series
    return [Series("", series)]
