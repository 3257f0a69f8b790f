"""The bulletin as a list of blocks, and its Markdown and HTML renderings.

bulletin.py composes the blocks from marts; this module and bulletin_docx.py only lay them out, so the .md,
.html and .docx always carry the same words and numbers.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

# Paragraph styles: what a line is in an official 通报, not how it looks (each renderer decides that).
MASTHEAD = "masthead"            # 发文机关标志: "<office>文件", red, centred
DOC_NO = "doc_no"                # 文号, centred, followed by the red rule
TITLE = "title"                  # 标题, centred
ADDRESSEES = "addressees"        # 主送机关, flush left
BODY = "body"                    # 正文, first-line indent of two characters
ATTACHMENT_LIST = "attachment_list"  # "附件：1.…" before the signature
SIGNATURE = "signature"          # 署名 and 成文日期, right-aligned
ATTACHMENT_LABEL = "attachment_label"  # "附件1", flush left on a new page
ATTACHMENT_TITLE = "attachment_title"  # the table's title, centred
CAPTION = "caption"              # a chart's caption, centred
NOTE = "note"                    # a note under a table (注：…), smaller


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = BODY


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = 一、  2 = （一）  3 = 1.
    text: str


@dataclass(frozen=True)
class Column:
    label: str
    group: str | None = None  # a header spanning consecutive columns, e.g. 行政许可 over 数量/合规率/及时率
    supergroup: str | None = None  # a header over groups, e.g. 信用信息报送情况（条） over 总报送量 … 基础信息
    width: float = 1.0        # relative width (Word needs widths; HTML and Markdown size themselves)
    left: bool = False        # left-aligned cells (names); the rest are centred, as in the seed's tables

    @property
    def path(self) -> tuple[str, ...]:
        """The spanning headers above the label, outermost first."""
        return tuple(g for g in (self.supergroup, self.group) if g)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Image:
    path: Path      # PNG next to the .md, which links it by file name
    caption: str


@dataclass(frozen=True)
class PageBreak:
    """Starts the 附件 part (and each 附件) on a new page; `landscape` asks for wide pages from there on."""
    landscape: bool = False


Block = Paragraph | Heading | Table | Image | PageBreak


def header_rows(columns: tuple[Column, ...]) -> list[list[tuple[str, int, int]]]:
    """Header cells as (text, colspan, rowspan), one row per level: a spanning header over consecutive columns
    that share it, and each label spanning down to the last header row."""
    depth = 1 + max(len(c.path) for c in columns)
    rows: list[list[tuple[str, int, int]]] = []
    for level in range(depth):
        cells: list[tuple[str, int, int]] = []
        i = 0
        while i < len(columns):
            path = columns[i].path
            if len(path) > level:       # a spanning header at this level
                span = 1
                while i + span < len(columns) and columns[i + span].path[:level + 1] == path[:level + 1]:
                    span += 1
                cells.append((path[level], span, 1))
                i += span
                continue
            if len(path) == level:      # the label, down to the last row
                cells.append((columns[i].label, 1, depth - level))
            i += 1                      # (len(path) < level: covered by the label above)
        rows.append(cells)
    return rows


# ---------------------------------------------------------------- Markdown

_MD_HEADING = {1: "##", 2: "###", 3: "####"}


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _numeric(table: Table, index: int) -> bool:
    """A column of numbers and rates (right-aligned in Markdown): every filled cell is one (an empty column too,
    so a table keeps its alignment from month to month)."""
    cells = [row[index] for row in table.rows if row[index]]
    return all(c.rstrip("%").replace(".", "", 1).isdigit() for c in cells)


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            if block.style == MASTHEAD:
                out.append(f"**{block.text}**")
            elif block.style == TITLE:
                out.append(f"# {block.text}")
            elif block.style == ATTACHMENT_TITLE:
                out.append(f"## {block.text}")
            else:
                out.append(block.text)
        elif isinstance(block, Heading):
            out.append(f"{_MD_HEADING[block.level]} {block.text}")
        elif isinstance(block, Table):
            # Markdown has no spanning header cells: the group goes in front of each label (行政许可合规率).
            labels = [f"{c.group or ''}{c.label}" for c in block.columns]
            aligns = [" --- " if c.left or not _numeric(block, i) else " ---: " for i, c in enumerate(block.columns)]
            lines = ["| " + " | ".join(_md_cell(x) for x in labels) + " |", "|" + "|".join(aligns) + "|"]
            lines += ["| " + " | ".join(_md_cell(x) for x in row) + " |" for row in block.rows]
            out.append("\n".join(lines))
        elif isinstance(block, Image):
            out.append(f"![{block.caption}]({block.path.name})")
        elif isinstance(block, PageBreak):
            out.append("---")
    return "\n\n".join(out) + "\n"


# ---------------------------------------------------------------- HTML

_CSS = """
body { margin: 0; background: #f3f3f3; }
main { max-width: 210mm; margin: 0 auto; padding: 25mm 26mm 25mm 28mm; background: #fff;
  font-family: "FangSong", "仿宋", "STFangsong", "FangSong_GB2312", serif; font-size: 16pt; line-height: 1.8; }
p { margin: 0; text-indent: 2em; }
.masthead { color: #c00000; text-align: center; text-indent: 0; font-size: 26pt; font-weight: bold; letter-spacing: 0.1em;
  font-family: "方正小标宋简体", "SimSun", "宋体", serif; margin-bottom: 1em; }
.doc_no { white-space: pre-wrap; text-align: center; text-indent: 0; padding-bottom: 0.6em; border-bottom: 2px solid #c00000; margin-bottom: 1.5em; }
.title { text-align: center; text-indent: 0; font-size: 22pt; font-weight: bold; line-height: 1.5;
  font-family: "方正小标宋简体", "SimSun", "宋体", serif; margin: 1em 0; }
.addressees, .attachment_label { text-indent: 0; }
.attachment_list { text-indent: 2em; }
.signature { text-align: right; text-indent: 0; padding-right: 2em; }
.attachment_title, .caption { text-align: center; text-indent: 0; }
.attachment_title { font-family: "方正小标宋简体", "SimSun", "宋体", serif; font-size: 18pt; margin: 0.5em 0; }
.caption { font-size: 12pt; white-space: pre-wrap; }
.note { text-indent: 0; font-size: 10.5pt; line-height: 1.4; }
h2, h3, h4 { font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em; }
h2 { font-family: "SimHei", "黑体", sans-serif; }
h3 { font-family: "KaiTi", "楷体", serif; }
h4 { font-family: inherit; }
div.table { overflow-x: auto; }   /* 附件1/2 are wider than a portrait page */
table { border-collapse: collapse; margin: 0.5em auto; font-size: 10.5pt; line-height: 1.4; }
th, td { border: 1px solid #000; padding: 2px 6px; text-align: center; }
td.left { text-align: left; }
figure { margin: 1em 0; text-align: center; }
figure img { max-width: 100%; }
.page-break { break-before: page; page-break-before: always; border-top: 1px dashed #bbb; margin: 2em 0 1em; }
@media print { body { background: #fff; } main { padding: 0; } .page-break { border: 0; margin: 0; } }
"""


def _html_table(table: Table) -> str:
    e = html.escape
    parts = ['<div class="table">', "<table>", "<thead>"]
    for row in header_rows(table.columns):
        cells = []
        for text, colspan, rowspan in row:
            attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
            cells.append(f"<th{attrs}>{e(text)}</th>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts += ["</thead>", "<tbody>"]
    for row in table.rows:
        parts.append("<tr>" + "".join(f'<td class="left">{e(cell)}</td>' if column.left else f"<td>{e(cell)}</td>"
                                      for column, cell in zip(table.columns, row)) + "</tr>")
    parts += ["</tbody>", "</table>", "</div>"]
    return "\n".join(parts)


def render_html(blocks: list[Block], title: str) -> str:
    """One self-contained page: inline CSS, the chart inlined as a data: URI."""
    e = html.escape
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            body.append(f'<p class="{block.style}">{e(block.text)}</p>')
        elif isinstance(block, Heading):
            level = block.level + 1
            body.append(f"<h{level}>{e(block.text)}</h{level}>")
        elif isinstance(block, Table):
            body.append(_html_table(block))
        elif isinstance(block, Image):
            data = base64.b64encode(block.path.read_bytes()).decode("ascii")
            body.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(block.caption)}">'
                        f'<figcaption class="caption">{e(block.caption)}</figcaption></figure>')
        elif isinstance(block, PageBreak):
            body.append('<div class="page-break"></div>')
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")
