"""Charts as server-rendered SVG: no script, no style attribute (the CSP forbids both), a <title>
and <desc> for assistive technology, and a data table beside each chart on the page.

Colours: the two series are a blue and an orange that colour-blind readers tell apart, and they
also differ in shape (circle/square markers, solid/dashed line, plain/striped bars), so no figure
depends on colour alone. The tile grid uses a one-hue sequential blue scale (ColorBrewer Blues),
outlines every tile in dark grey (3:1 against white, WCAG 1.4.11), and marks "no alerts" with a
cross instead of a colour. All text is #1a1a1a on white (16:1).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from markupsafe import Markup

from relay.reports.schemas import Figures, MunicipalityFigures

INK, GRID, OUTLINE = "#1a1a1a", "#767676", "#4d4d4d"
REACHED, ACKED = "#0b5394", "#b34700"  # blue 7.6:1, dark orange 5.0:1 against white
BINS = ((20, "#eff3ff"), (40, "#bdd7e7"), (60, "#6baed6"), (80, "#3182bd"), (101, "#08519c"))
_ids = iter(range(1, 1_000_000))


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    n = next(_ids)
    # Safe: every text that comes from data or translations passes through escape() above.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="chart-t{n} chart-d{n}" font-family="sans-serif" font-size="12" class="chart">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _pct(value: float | None, lang: str) -> str:
    """The tables' own format (tables.fmt): "12,5 %" beside a table that says 12,5 %, "12.5 %" in English."""
    from relay.reports.tables import fmt

    return fmt(value, "pct", lang)


def _legend(x: int, y: int, t: Callable) -> list[str]:
    return [f'<circle cx="{x}" cy="{y}" r="5" fill="{REACHED}"/>',
            f'<text x="{x + 10}" y="{y + 4}" fill="{INK}">{escape(t("reports.chart.reached"))}</text>',
            f'<rect x="{x + 150}" y="{y - 5}" width="10" height="10" fill="{ACKED}"/>',
            f'<text x="{x + 165}" y="{y + 4}" fill="{INK}">{escape(t("reports.chart.acknowledged"))}</text>']


def trend_chart(rows: list[Figures], t: Callable, lang: str = "nb") -> Markup:
    """Reached and acknowledged share by month: a line each, 0–100 %."""
    width, height, left, top, bottom = 640, 260, 44, 30, 40
    plot_w, plot_h = width - left - 16, height - top - bottom
    body = _legend(left, 14, t)
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.5"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{pct} %</text>')
    step = plot_w / max(1, len(rows))
    for series, colour, dash, marker in (("reached_share", REACHED, "", "circle"),
                                         ("acknowledged_share", ACKED, ' stroke-dasharray="6 3"', "square")):
        points = []
        for i, row in enumerate(rows):
            value = getattr(row, series)
            if value is None:
                continue
            x, y = left + step * (i + 0.5), top + plot_h * (1 - value / 100)
            points.append(f"{x:.1f},{y:.1f}")
            label = f"{row.label}: {t('reports.chart.' + series)} {_pct(value, lang)}"
            shape = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">' if marker == "circle" else
                     f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">')
            body.append(shape + f"<title>{escape(label)}</title></{marker if marker == 'circle' else 'rect'}>")
        if len(points) > 1:
            body.insert(0, f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
    for i, row in enumerate(rows):
        x = left + step * (i + 0.5)
        body.append(f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="{INK}">{escape(row.key[2:])}</text>')
    return _svg(width, height, t("reports.chart.trend"), t("reports.chart.trend_desc"), body)


def bar_chart(rows: list[Figures], t: Callable, title_key: str, lang: str = "nb") -> Markup:
    """Groups side by side: a solid bar for reached, a striped bar for acknowledged, with the values written out."""
    label_w, bar_h, gap, width = 240, 12, 10, 640
    height = 30 + len(rows) * (2 * bar_h + gap)
    plot_w = width - label_w - 60
    body = [f'<defs><pattern id="stripes" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{ACKED}"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2"/></pattern></defs>', *_legend(label_w, 14, t)]
    for i, row in enumerate(rows):
        y = 30 + i * (2 * bar_h + gap)
        body.append(f'<text x="{label_w - 8}" y="{y + bar_h + 4}" text-anchor="end" fill="{INK}">{escape(row.label[:38])}</text>')
        for j, (series, fill) in enumerate((("reached_share", REACHED), ("acknowledged_share", "url(#stripes)"))):
            value = getattr(row, series) or 0.0
            w = plot_w * value / 100
            label = f"{row.label}: {t('reports.chart.' + series)} {_pct(getattr(row, series), lang)}"
            body.append(f'<rect x="{label_w}" y="{y + j * bar_h}" width="{w:.1f}" height="{bar_h - 1}" fill="{fill}" '
                        f'stroke="{OUTLINE}" stroke-width="0.5"><title>{escape(label)}</title></rect>')
            body.append(f'<text x="{label_w + w + 4:.1f}" y="{y + j * bar_h + bar_h - 2}" fill="{INK}">'
                        f'{_pct(getattr(row, series), lang)}</text>')
    return _svg(width, height, t(title_key), t("reports.chart.bars_desc"), body)


def tile_grid(rows: list[MunicipalityFigures], t: Callable, lang: str = "nb") -> Markup:
    """Every municipality as a tile, coloured by its acknowledgement share (table beside it)."""
    columns, size, pad = 24, 22, 3
    lines = (len(rows) + columns - 1) // columns
    width, height = columns * (size + pad) + pad, 40 + lines * (size + pad) + pad
    body = []
    for k, (upper, colour) in enumerate(BINS):
        x = pad + k * 110
        low = BINS[k - 1][0] if k else 0
        body.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{colour}" stroke="{OUTLINE}"/>'
                    f'<text x="{x + 18}" y="17" fill="{INK}">{low}–{min(upper, 100)} %</text>')
    body.append(f'<rect x="{pad + 550}" y="6" width="14" height="14" fill="#ffffff" stroke="{OUTLINE}"/>'
                f'<path d="M{pad + 550} 6 l14 14 M{pad + 564} 6 l-14 14" stroke="{OUTLINE}"/>'
                f'<text x="{pad + 568}" y="17" fill="{INK}">{escape(t("reports.chart.no_alerts"))}</text>')
    for i, m in enumerate(rows):
        x, y = pad + (i % columns) * (size + pad), 40 + (i // columns) * (size + pad)
        share = m.acknowledged_share
        label = f"{m.code} {m.name}: " + (t("reports.chart.no_alerts") if share is None else
                                          f"{_pct(share, lang)} ({m.acknowledged}/{m.targeted})")
        fill = "#ffffff" if share is None else next(c for upper, c in BINS if share < upper)
        cross = "" if share is not None else (f'<path d="M{x} {y} l{size} {size} M{x + size} {y} l-{size} {size}" '
                                              f'stroke="{OUTLINE}" stroke-width="0.7"/>')
        body.append(f'<g><title>{escape(label)}</title><rect x="{x}" y="{y}" width="{size}" height="{size}" '
                    f'fill="{fill}" stroke="{OUTLINE}"/>{cross}</g>')
    return _svg(width, height, t("reports.chart.tiles"), t("reports.chart.tiles_desc"), body)
