"""The digest's charts as PNG images (matplotlib), for e-mail: most mail clients
(Gmail, Outlook) show no inline SVG, every one shows a PNG.

The same charts as ``html.chart_svgs``, drawn with the Agg backend (no display
needed). Chinese text needs a CJK font; without one installed, the chart's
words fall back to the English names, so a PNG never shows empty boxes.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import lru_cache

from ..charts import COLOURS
from ..records import LABELS
from .build import Digest
from .i18n import SHORT_NAMES, gloss, t
from .weeks import week_name

#: Fonts tried for Chinese text, in order (Debian: fonts-noto-cjk, fonts-wqy-zenhei).
CJK_FONTS: tuple[str, ...] = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
                              "WenQuanYi Micro Hei", "Source Han Sans SC", "Microsoft YaHei", "SimHei")

#: Pixels per inch of the PNGs: sharp on a phone, small in a mailbox (~30–60 kB a chart).
DPI = 110


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in available), None)


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    _plt().close(fig)
    return buffer.getvalue()


def chart_pngs(d: Digest, lang: str) -> dict[str, bytes]:
    """Chart name → PNG bytes (the names of ``html.chart_svgs``)."""
    plt = _plt()
    text_lang = lang if (lang == "en" or cjk_font()) else "en"
    font = {"family": [cjk_font()] if cjk_font() else ["DejaVu Sans"]}
    names = SHORT_NAMES[text_lang]
    out: dict[str, bytes] = {}
    with plt.rc_context({"font.family": font["family"] + ["DejaVu Sans"], "axes.spines.top": False,
                         "axes.spines.right": False}):
        collected = [w for w in d.weeks if d.collected(w)] or [d.week_start]
        fig, ax = plt.subplots(figsize=(7.6, 3.0))
        xs = list(range(len(collected)))
        for label in LABELS:
            ys = [d.stories.get((w, label), 0) for w in collected]
            ax.plot(xs, ys, marker="o", markersize=3, linewidth=2, color=COLOURS[label], label=names[label])
        ax.axvspan(len(collected) - 1.5, len(collected) - 0.5, color="#fff3bf", zorder=0)
        ax.set_xticks(xs, [week_name(w)[2:] for w in collected], fontsize=7, rotation=45)
        ax.set_ylabel(t(text_lang, "y_stories"))
        ax.set_ylim(bottom=0)
        ax.set_title(t(text_lang, "chart_lines", n=len(collected)), fontsize=10, loc="left")
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        out["weekly"] = _png(fig)

        fig, ax = plt.subplots(figsize=(7.6, 2.2))
        values = [d.stories.get((d.week_start, label), 0) for label in LABELS]
        ax.barh([names[label] for label in LABELS], values, color=[COLOURS[label] for label in LABELS])
        for i, label in enumerate(LABELS):
            mean = d.trailing_mean(label)
            if mean is not None:
                ax.plot([mean, mean], [i - 0.4, i + 0.4], color="#222222", linestyle="--", linewidth=1.5)
        ax.invert_yaxis()
        ax.set_title(t(text_lang, "chart_bars", n=len(d.previous_collected)), fontsize=10, loc="left")
        out["week"] = _png(fig)

        for label, points in d.diffusion.items():
            days = sorted((p.date() if isinstance(p, datetime) else p, name) for p, name in points)
            fig, ax = plt.subplots(figsize=(6.0, 2.8))
            xs_d: list[date] = [day for day, _ in days]
            ax.step(xs_d + [d.week_end], list(range(1, len(days) + 1)) + [len(days)], where="post",
                    color=COLOURS[label], linewidth=2)
            for n, (day, name) in enumerate(days, 1):
                ax.plot([day], [n], "o", color=COLOURS[label], markersize=4)
                ax.annotate(name if text_lang == "zh" else gloss(name), (day, n), fontsize=7,
                            xytext=(4, -3), textcoords="offset points")
            ax.set_ylabel(t(text_lang, "y_regions"))
            ax.set_ylim(0, len(days) + 1)
            ax.set_title(t(text_lang, "chart_diffusion", model=names[label]), fontsize=10, loc="left")
            fig.autofmt_xdate()
            out[f"diffusion-{label}"] = _png(fig)
    return out
