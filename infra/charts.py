"""Bar charts as inline SVG, drawn on the server: no script, no external file, so they show under
the Content-Security-Policy and in any browser. Each chart is an image with a title (role="img",
<title>) and each bar carries its own <title> "label：count" (read by screen readers, shown on
hover), so the figures are there without the picture."""

from markupsafe import Markup, escape

WIDTH = 640
BAR = 18  # height of a horizontal bar, width budget of a column
GAP = 6
LABEL_WIDTH = 150  # horizontal bars: room for the label on the left
VALUE_ROOM = 60  # room for the figure right of a bar
COLUMN_HEIGHT = 180  # columns: the tallest column
FILL = "#2f6db5"


def _head(title, key, height):
    key = escape(key)
    return [(f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="zl-chart" data-chart="{key}" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="{key}-title">'),
            f'<title id="{key}-title">{escape(title)}</title>']


def _bar_title(label, value):
    return f"<title>{escape(label)}：{value}</title>"


def bars(title, items, *, key="chart"):
    """Horizontal bars, one per (label, value) of `items`, longest scaled to the width."""
    items = list(items)
    height = max(len(items), 1) * (BAR + GAP) + GAP
    top = max((v for _l, v in items), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_ROOM
    parts = _head(title, key, height)
    for i, (label, value) in enumerate(items):
        y = GAP + i * (BAR + GAP)
        w = round(span * value / top, 1)
        parts.append(f'<g class="zl-bar">{_bar_title(label, value)}'
                     f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR - 5}" text-anchor="end" font-size="12">'
                     f'{escape(_short(label))}</text>'
                     f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w}" height="{BAR}" fill="{FILL}"></rect>'
                     f'<text x="{LABEL_WIDTH + w + 4}" y="{y + BAR - 5}" font-size="12">{value}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(title, items, *, key="chart"):
    """Vertical columns in order (months, years), each labelled below; the figure above."""
    items = list(items)
    n = max(len(items), 1)
    step = (WIDTH - 20) / n
    width = min(max(step - 4, 2), 60)  # a few columns stay columns, not blocks
    top = max((v for _l, v in items), default=0) or 1
    height = COLUMN_HEIGHT + 60
    every = max(1, round(n / 12))  # label at most 12 columns: the rest keep their <title>
    base = COLUMN_HEIGHT + 20
    axis = f'<line x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#999"></line>'
    parts = [*_head(title, key, height), axis]
    for i, (label, value) in enumerate(items):
        x = round(10 + i * step + (step - width) / 2, 1)
        h = round(COLUMN_HEIGHT * value / top, 1)
        y = COLUMN_HEIGHT + 20 - h
        middle = round(x + width / 2, 1)
        parts.append(f'<g class="zl-bar">{_bar_title(label, value)}'
                     f'<rect x="{x}" y="{y}" width="{round(width, 1)}" height="{h}" fill="{FILL}"></rect>'
                     + (f'<text x="{middle}" y="{y - 3}" text-anchor="middle" font-size="10">{value}</text>'
                        if value else "")
                     + (f'<text x="{middle}" y="{COLUMN_HEIGHT + 36}" text-anchor="middle" font-size="10">'
                        f'{escape(label)}</text>' if i % every == 0 else "")
                     + "</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label, limit=11):
    label = str(label)
    return label if len(label) <= limit else label[:limit - 1] + "…"
