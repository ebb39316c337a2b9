"""Render a :class:`~peir.report.model.Brief` to self-contained HTML and to Markdown.

The HTML has its CSS inline and its figures embedded as base64 PNG, so it opens offline and
needs nothing else; ``@media print`` rules give page breaks between sections and keep tables
and figures whole. The Markdown refers to the figures in ``figures/``.
"""

from __future__ import annotations

import base64
import html
from importlib import resources
from string import Template

from peir._version import __version__
from peir.report.i18n import t
from peir.report.model import Brief, FigureBlock, Paragraph, Section, TableBlock
from peir.report.safe import md_text

__all__ = ["to_html", "to_markdown"]

_NUMERIC = {"int", "num0", "num1", "num2", "pct", "money", "millions"}


def _template(name: str) -> str:
    return resources.files("peir.report").joinpath("templates", name).read_text("utf-8")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _table_html(tb: TableBlock, lang: str) -> str:
    frame = tb.frame if tb.max_rows is None else tb.frame.head(tb.max_rows)
    head = "".join(
        f'<th scope="col" class="{"num" if c.kind in _NUMERIC else "txt"}">{_esc(c.label)}</th>'
        for c in tb.columns
    )
    rows = []
    for _, r in frame.iterrows():
        cells = "".join(
            f'<td class="{"num" if c.kind in _NUMERIC else "txt"}">'
            f"{_esc(c.format(r.get(c.key), lang))}</td>"
            for c in tb.columns
        )
        rows.append(f"<tr>{cells}</tr>")
    caption = f"{t('doc.table', lang, n=tb.number)}. {tb.title}"
    note = ""
    if tb.max_rows is not None and len(tb.frame) > tb.max_rows:
        note += t("annex.truncated", lang, n=tb.max_rows, total=len(tb.frame)) + " "
    note += tb.note
    note_html = f'<p class="table-note">{_esc(note.strip())}</p>' if note.strip() else ""
    return (
        f'<div class="table-wrap"><table id="tab-{_esc(tb.key)}"><caption>{_esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note_html}</div>"
    )


def _figure_html(fb: FigureBlock, lang: str, alt: str = "") -> str:
    data = base64.b64encode(fb.png).decode("ascii")
    cap = f"{t('doc.figure', lang, n=fb.number)}. {fb.title}"
    return (
        f'<figure><img src="data:image/png;base64,{data}" '
        f'alt="{_esc(alt or fb.alt or fb.title)}"><figcaption>{_esc(cap)}</figcaption></figure>'
    )


def _section_html(sec: Section, lang: str, n: int) -> str:
    parts = [f'<section id="{_esc(sec.id)}"><h2>{n}. {_esc(sec.heading)}</h2>']
    blocks = sec.blocks
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if (
            sec.id == "key-messages"
            and isinstance(b, Paragraph)
            and b.kind == "p"
            and i + 1 < len(blocks)
            and isinstance(blocks[i + 1], FigureBlock)
        ):
            # key messages: message + figure cards in a grid
            items = []
            while (
                i + 1 < len(blocks)
                and isinstance(blocks[i], Paragraph)
                and isinstance(blocks[i + 1], FigureBlock)
            ):
                p, f = blocks[i], blocks[i + 1]
                assert isinstance(p, Paragraph) and isinstance(f, FigureBlock)
                items.append(
                    f"<li><p>{_esc(str(p.text))}</p>{_figure_html(f, lang, alt=str(p.text))}</li>"
                )
                i += 2
            parts.append(f'<ol class="messages">{"".join(items)}</ol>')
            continue
        if isinstance(b, Paragraph):
            if b.kind == "bullets":
                lis = "".join(f"<li>{_esc(x)}</li>" for x in b.text)
                parts.append(f"<ul>{lis}</ul>")
            elif b.kind == "note":
                parts.append(f'<p class="note">{_esc(str(b.text))}</p>')
            elif b.kind == "h3":
                parts.append(f"<h3>{_esc(str(b.text))}</h3>")
            else:
                parts.append(f"<p>{_esc(str(b.text))}</p>")
        elif isinstance(b, TableBlock):
            parts.append(_table_html(b, lang))
        elif isinstance(b, FigureBlock):
            parts.append(_figure_html(b, lang))
        i += 1
    parts.append("</section>")
    return "\n".join(parts)


def to_html(brief: Brief) -> str:
    """The brief as one self-contained HTML document (inline CSS, embedded PNG figures)."""
    lang = brief.lang
    body = "\n".join(_section_html(s, lang, i + 1) for i, s in enumerate(brief.sections))
    toc = "\n".join(
        f'<li><a href="#{_esc(s.id)}">{_esc(s.heading)}</a></li>' for s in brief.sections
    )
    banner = f'<p class="banner">{_esc(brief.banner)}</p>' if brief.banner else ""
    return Template(_template("brief.html")).substitute(
        lang=lang,
        version=_esc(__version__),
        title=_esc(brief.title),
        subtitle=_esc(brief.subtitle),
        meta=_esc(brief.meta_line),
        banner=banner,
        intro=_esc(brief.intro),
        contents=_esc(t("doc.contents", lang)),
        toc=toc,
        body=body,
        css=_template("brief.css"),
        footer=_esc(brief.meta_line),
    )


def _table_md(tb: TableBlock, lang: str) -> str:
    frame = tb.frame if tb.max_rows is None else tb.frame.head(tb.max_rows)
    lines = [f"**{md_text(t('doc.table', lang, n=tb.number) + '. ' + tb.title)}**", ""]
    lines.append("| " + " | ".join(md_text(c.label) for c in tb.columns) + " |")
    lines.append("|" + "|".join("---:" if c.kind in _NUMERIC else "---" for c in tb.columns) + "|")
    for _, r in frame.iterrows():
        lines.append(
            "| " + " | ".join(md_text(c.format(r.get(c.key), lang)) for c in tb.columns) + " |"
        )
    note = ""
    if tb.max_rows is not None and len(tb.frame) > tb.max_rows:
        note += t("annex.truncated", lang, n=tb.max_rows, total=len(tb.frame)) + " "
    note += tb.note
    if note.strip():
        lines += ["", f"_{md_text(note.strip())}_"]
    return "\n".join(lines)


def to_markdown(brief: Brief) -> str:
    """The brief as Markdown; figures are linked from ``figures/<key>.png``.

    Every piece of text is escaped (:func:`peir.report.safe.md_text`): HTML and Markdown syntax
    that comes from the data is shown as text.
    """
    lang = brief.lang
    e = md_text
    out = [f"# {e(brief.title)}", "", f"_{e(brief.subtitle)}_", "", e(brief.meta_line), ""]
    if brief.banner:
        out += [f"> **{e(brief.banner)}**", ""]
    out += [e(brief.intro), "", f"## {e(t('doc.contents', lang))}", ""]
    out += [f"{i + 1}. {e(s.heading)}" for i, s in enumerate(brief.sections)]
    out.append("")
    for i, s in enumerate(brief.sections):
        out += [f"## {i + 1}. {e(s.heading)}", ""]
        for b in s.blocks:
            if isinstance(b, Paragraph):
                if b.kind == "bullets":
                    out += [f"- {e(x)}" for x in b.text]
                elif b.kind == "note":
                    out.append(f"> {e(str(b.text))}")
                elif b.kind == "h3":
                    out.append(f"### {e(str(b.text))}")
                else:
                    out.append(e(str(b.text)))
            elif isinstance(b, TableBlock):
                out.append(_table_md(b, lang))
            elif isinstance(b, FigureBlock):
                cap = e(f"{t('doc.figure', lang, n=b.number)}. {b.title}")
                out.append(f"![{cap}](figures/{b.key}.png)")
                out += ["", f"_{cap}_"]
            out.append("")
    out += ["---", "", e(brief.meta_line), ""]
    return "\n".join(out)
