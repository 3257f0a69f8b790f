"""The bulletin's blocks as a Word document laid out like an official 通报 (GB/T 9704 in spirit).

Red masthead and rule, 方正小标宋 title, 黑体/楷体/仿宋 headings and body at 三号 (16 pt), tables in "Table Grid"
(every border drawn), the 附件 in a landscape section with each attachment on its own page.
Bytes are stable: core properties and zip entry times come from the bulletin's date, not the clock.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from credit_feeds import bulletin_render as r

RED = RGBColor(0xC0, 0x00, 0x00)
BLACK = RGBColor(0, 0, 0)
LATIN = "Times New Roman"
FANGSONG, HEITI, KAITI, XIAOBIAOSONG = "仿宋", "黑体", "楷体", "方正小标宋简体"
BODY_PT = 16          # 三号
INDENT = Pt(2 * BODY_PT)  # two characters

@dataclass(frozen=True)
class Look:
    name: str             # Word style name (Chinese, as an office's template would have it)
    style_id: str         # ASCII id inside the file
    font: str             # east-asian font
    size: float           # pt
    color: RGBColor = BLACK
    align: int = WD_ALIGN_PARAGRAPH.JUSTIFY
    indent: bool = False  # first line indented by two characters
    before: float = 0     # space before / after, pt
    after: float = 0


_C, _L, _R = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT
_LOOKS = {
    r.MASTHEAD: Look("通报-发文机关标志", "BulletinMasthead", XIAOBIAOSONG, 30, RED, _C, after=24),
    r.DOC_NO: Look("通报-文号", "BulletinDocNo", FANGSONG, BODY_PT, align=_C, after=24),
    r.TITLE: Look("通报-标题", "BulletinTitle", XIAOBIAOSONG, 22, align=_C, after=28),
    r.ADDRESSEES: Look("通报-主送机关", "BulletinAddressees", FANGSONG, BODY_PT, align=_L),
    r.BODY: Look("通报-正文", "BulletinBody", FANGSONG, BODY_PT, indent=True),
    r.ATTACHMENT_LIST: Look("通报-附件说明", "BulletinAttachmentList", FANGSONG, BODY_PT, align=_L, indent=True),
    r.SIGNATURE: Look("通报-署名", "BulletinSignature", FANGSONG, BODY_PT, align=_R),
    r.ATTACHMENT_LABEL: Look("通报-附件标识", "BulletinAttachmentLabel", HEITI, BODY_PT, align=_L),
    r.ATTACHMENT_TITLE: Look("通报-附件标题", "BulletinAttachmentTitle", XIAOBIAOSONG, 18, align=_C,
                             before=6, after=12),
    r.CAPTION: Look("通报-图题", "BulletinCaption", FANGSONG, 12, align=_C, after=12),
    r.NOTE: Look("通报-表注", "BulletinNote", FANGSONG, 10.5, align=_L, before=4),
}
# The seed leaves a blank line before the 附件 list and before the signature.
_BLANK_LINE_BEFORE = {r.ATTACHMENT_LIST, r.SIGNATURE}
# Heading levels use Word's built-in heading styles (navigation pane, outline), restyled: 一、黑体 （一）楷体 1.仿宋
_HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG}
# Table text by the table's width: 小四 (12 pt) for a few columns, 五号 (10.5 pt), and 小五 (9 pt) with narrow cell
# margins for the 19 columns of 附件1/2, so "100.00%" and "166141" stay on one line.
_TABLE_LOOKS = (  # (up to this many columns, look)
    (4, Look("通报-表格", "BulletinTable", FANGSONG, 12, align=_C)),
    (8, Look("通报-表格-中", "BulletinTableMedium", FANGSONG, 10.5, align=_C)),
    (None, Look("通报-表格-宽", "BulletinTableWide", FANGSONG, 9, align=_C)),
)
NARROW_MARGIN = Cm(0.05)


def _table_look(columns: int) -> Look:
    return next(look for most, look in _TABLE_LOOKS if most is None or columns <= most)


def _set_fonts(rpr, east_asia: str) -> None:
    """Explicit font names; theme attributes would override them, so they go."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style(style, look: Look) -> None:
    _set_fonts(style.element.get_or_add_rPr(), look.font)
    style.font.size = Pt(look.size)
    style.font.bold = False
    style.font.italic = False
    style.font.color.rgb = look.color
    fmt = style.paragraph_format
    fmt.alignment = look.align
    fmt.first_line_indent = INDENT if look.indent else Pt(0)
    fmt.space_before = Pt(look.before)
    fmt.space_after = Pt(look.after)
    # body text on fixed 28 pt lines (22 lines a page); larger or smaller text single-spaced
    fmt.line_spacing = Pt(28) if look.size == BODY_PT else 1.0


def _add_style(doc, look: Look):
    style = doc.styles.add_style(look.name, WD_STYLE_TYPE.PARAGRAPH)
    style.element.styleId = look.style_id   # python-docx would derive the id from the Chinese name
    style.base_style = doc.styles["Normal"]
    _style(style, look)
    return style


def _define_styles(doc) -> None:
    normal = doc.styles["Normal"]
    _style(normal, Look("Normal", "Normal", FANGSONG, BODY_PT))
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    for look in (*_LOOKS.values(), *(look for _, look in _TABLE_LOOKS)):
        _add_style(doc, look)
    for level, font in _HEADING_FONTS.items():
        heading = doc.styles[f"Heading {level}"]
        _style(heading, Look(heading.name, "", font, BODY_PT, align=_L, indent=True))
        heading.paragraph_format.keep_with_next = True


def _portrait(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _landscape(section) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.0)


def _page_number_footer(section) -> None:
    """"— 1 —" centred at the foot of each page."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def _bottom_rule(paragraph, color: str = "C00000") -> None:
    """The red rule under the 文号 (a paragraph bottom border)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "6"), ("w:color", color)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _fit_on_one_line(paragraph, section) -> None:
    """The masthead stays on one line (GB/T 9704): a long office name gets a smaller size than the style's."""
    width_pt = (section.page_width - section.left_margin - section.right_margin) / 12700   # EMU per pt
    size = min(_LOOKS[r.MASTHEAD].size, int(width_pt * 0.95 / max(len(paragraph.text), 1)))   # a little slack
    for run in paragraph.runs:
        run.font.size = Pt(size)


def _row_flag(row, flag: str) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement(flag))


def _repeat_as_header(row) -> None:
    _row_flag(row, "w:tblHeader")


def _set_widths(grid, columns: tuple[r.Column, ...], available) -> None:
    """Column widths from the columns' weights over the text width. Word reads the cells' widths, LibreOffice the
    grid's: both are set."""
    grid.autofit = False
    weights = sum(c.width for c in columns)
    widths = [int(available * c.width / weights) for c in columns]
    for column, width in zip(grid.columns, widths):
        column.width = width
    for row in grid.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _narrow_cell_margins(grid) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(int(NARROW_MARGIN.twips)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.append(margins)


def _add_table(doc, table: r.Table) -> None:
    header = r.header_rows(table.columns)
    grid = doc.add_table(rows=len(header) + len(table.rows), cols=len(table.columns))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    section = doc.sections[-1]
    _set_widths(grid, table.columns, section.page_width - section.left_margin - section.right_margin)
    look = _table_look(len(table.columns))
    if look.size < 10:
        _narrow_cell_margins(grid)
    for row_index, cells in enumerate(header):
        col = 0
        for text, colspan, rowspan in cells:
            while grid.cell(row_index, col).text:    # a cell already covered by a row span from above
                col += 1
            cell = grid.cell(row_index, col)
            if colspan > 1 or rowspan > 1:
                cell = cell.merge(grid.cell(row_index + rowspan - 1, col + colspan - 1))
            cell.text = text
            cell.paragraphs[0].style = doc.styles[look.name]
            cell.paragraphs[0].runs[0].font.bold = True
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            col += colspan
        _repeat_as_header(grid.rows[row_index])
    for row in grid.rows:
        _row_flag(row, "w:cantSplit")   # a row stays on one page (a URL cut between pages is unreadable)
    for row_index, values in enumerate(table.rows, start=len(header)):
        for col, (cell, value) in enumerate(zip(grid.rows[row_index].cells, values)):
            cell.text = value
            cell.paragraphs[0].style = doc.styles[look.name]
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            if table.columns[col].left:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT


def _stable_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the package with every entry dated `when`, so the same document gives the same bytes."""
    out = io.BytesIO()
    with ZipFile(io.BytesIO(data)) as zin, ZipFile(out, "w", ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            zout.writestr(entry, zin.read(info.filename))
    return out.getvalue()


def write_docx(blocks: list[r.Block], path: Path, *, title: str, author: str, dated: date) -> Path:
    doc = Document()
    _define_styles(doc)
    _portrait(doc.sections[0])
    _page_number_footer(doc.sections[0])
    landscape = False
    previous = None
    for block in blocks:
        if isinstance(block, r.Paragraph):
            paragraph = doc.add_paragraph(block.text, style=doc.styles[_LOOKS[block.style].name])
            if block.style == r.DOC_NO:
                _bottom_rule(paragraph)
            if block.style == r.MASTHEAD:
                _fit_on_one_line(paragraph, doc.sections[-1])
            if block.style in _BLANK_LINE_BEFORE and getattr(previous, "style", None) != block.style:
                paragraph.paragraph_format.space_before = Pt(28)
        elif isinstance(block, r.Heading):
            paragraph = doc.add_paragraph(block.text, style=doc.styles[f"Heading {block.level}"])
            if isinstance(previous, r.Table):    # the body's fixed lines would glue it to the table
                paragraph.paragraph_format.space_before = Pt(BODY_PT)
        elif isinstance(block, r.Table):
            _add_table(doc, block)
        elif isinstance(block, r.Image):
            doc.add_picture(str(block.path), width=Cm(15.5))
            picture = doc.paragraphs[-1].paragraph_format
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.first_line_indent = Pt(0)
            picture.line_spacing = 1.0    # the body's fixed 28 pt lines would clip the picture to one line
            doc.add_paragraph(block.caption, style=doc.styles[_LOOKS[r.CAPTION].name])
        elif isinstance(block, r.PageBreak):
            if block.landscape and not landscape:   # the wide 附件 tables get a landscape section
                _landscape(doc.add_section(WD_SECTION.NEW_PAGE))
                landscape = True
            else:
                doc.add_page_break()
        previous = block

    when = datetime(dated.year, dated.month, dated.day)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.subject = props.keywords = props.comments = props.category = ""
    props.created = props.modified = when
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(_stable_zip(buffer.getvalue(), when))
    return path
