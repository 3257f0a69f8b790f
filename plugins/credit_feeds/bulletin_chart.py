"""The bulletin's chart: compliance and timeliness rates by district, one panel per feed.

Chinese labels need a CJK font (stack-facts.md: without one matplotlib draws boxes), so without one the chart is
skipped with a warning instead of printing boxes into an official document.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# Families matplotlib may know, best first (Debian: fonts-wqy-microhei, fonts-noto-cjk; Windows: SimHei).
CJK_FONT_HINTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK",
                  "Noto Serif CJK SC", "Noto Serif CJK", "Source Han Sans", "SimHei", "Microsoft YaHei")

# (rate label, bar colour)
SERIES = (("合规率", "#c00000"), ("及时率", "#4a6fa5"))


def _matplotlib_home() -> None:
    # Keep matplotlib's font cache out of the home folder (stack-facts.md); must happen before the import.
    if "MPLCONFIGDIR" not in os.environ:
        path = Path(tempfile.gettempdir()) / "credit_feeds-matplotlib"
        path.mkdir(parents=True, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(path)


def find_cjk_font() -> str | None:
    """The name of an installed font family that has Chinese glyphs, or None."""
    _matplotlib_home()
    from matplotlib import font_manager

    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    for hint in CJK_FONT_HINTS:
        for name in names:
            if name.startswith(hint):
                return name
    return None


def draw_district_chart(panels: list[tuple[str, list[tuple[str, float | None, float | None]]]],
                        path: Path, title: str) -> Path | None:
    """panels: (feed name, [(district, compliance_rate, timeliness_rate), …]) with rates as fractions, NULL as
    None (no bar is drawn). Writes a PNG and returns its path, or None when no CJK font is installed."""
    font = find_cjk_font()
    if font is None:
        log.warning("未找到中文字体（WenQuanYi / Noto CJK / SimHei），本期通报不生成图表 "
                    "(no CJK font for matplotlib: chart skipped)")
        return None
    panels = [(name, rows) for name, rows in panels if rows]
    if not panels:
        return None

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    style = {"font.family": "sans-serif", "font.sans-serif": [font], "axes.unicode_minus": False}
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(10, 3.4 * len(panels)), dpi=150, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
        width = 0.38
        for ax, (name, rows) in zip(axes, panels):
            x = range(len(rows))
            for i, (label, colour) in enumerate(SERIES):
                values = [float("nan") if row[1 + i] is None else float(row[1 + i]) * 100 for row in rows]
                ax.bar([p + (i - 0.5) * width for p in x], values, width, label=label, color=colour)
            ax.set_title(f"{name}信息合规率、及时率（%）", fontsize=11)
            ax.set_xticks(list(x), [row[0] for row in rows], rotation=45, ha="right", fontsize=9)
            ax.set_ylim(0, 105)
            ax.grid(axis="y", linewidth=0.4, alpha=0.6)
        fig.suptitle(title, fontsize=13)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper right", ncols=len(SERIES), fontsize=9, frameon=False)
        # no "Software" metadata: the same data gives the same bytes whatever the matplotlib build
        fig.savefig(path, format="png", metadata={"Software": None})
    return path
