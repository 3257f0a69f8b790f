"""The bulletin's blocks as a Word document laid out like an official 通报 (GB/T 9704 in spirit).

Red masthead and rule, 方正小标宋 title, 黑体/楷体/仿宋 headings and body at 三号 (16 pt), tables in "Table Grid"
(every border drawn), the 附件 in a landscape section with each attachment on its own page.
Bytes are stable: core properties and zip entry times come from the bulletin's date, not the clock.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
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

# paragraph style of the blocks -> (Word style name, east-asian font, size pt, bold, colour, alignment)
_PARAGRAPH_STYLES = {
    r.MASTHEAD: ("通报-发文机关标志", XIAOBIAOSONG, 30, False, RED, WD_ALIGN_PARAGRAPH.CENTER),
    r.DOC_NO: ("通报-文号", FANGSONG, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.CENTER),
    r.TITLE: ("通报-标题", XIAOBIAOSONG, 22, False, BLACK, WD_ALIGN_PARAGRAPH.CENTER),
    r.ADDRESSEES: ("通报-主送机关", FANGSONG, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.LEFT),
    r.BODY: ("通报-正文", FANGSONG, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.JUSTIFY),
    r.ATTACHMENT_LIST: ("通报-附件说明", FANGSONG, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.LEFT),
    r.SIGNATURE: ("通报-署名", FANGSONG, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.RIGHT),
    r.ATTACHMENT_LABEL: ("通报-附件标识", HEITI, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.LEFT),
    r.ATTACHMENT_TITLE: ("通报-附件标题", XIAOBIAOSONG, 18, False, BLACK, WD_ALIGN_PARAGRAPH.CENTER),
    r.CAPTION: ("通报-图题", FANGSONG, 12, False, BLACK, WD_ALIGN_PARAGRAPH.CENTER),
}
# Heading levels use Word's built-in heading styles (navigation pane, outline), restyled: 一、黑体 （一）楷体 1.仿宋
_HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG}
_TABLE_STYLE = "通报-表格"
_INDENTED = {r.BODY, r.ATTACHMENT_LIST}


def _set_fonts(rpr, east_asia: str) -> None:
    """Explicit font names; theme attributes would override them, so they go."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)


def _style(style, east_asia: str, size: float, bold: bool, color: RGBColor, align, indent: bool) -> None:
    _set_fonts(style.element.get_or_add_rPr(), east_asia)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = INDENT if indent else Pt(0)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(28) if size <= BODY_PT else None   # 28 pt fixed lines: 22 lines a page


def _define_styles(doc) -> None:
    normal = doc.styles["Normal"]
    _style(normal, FANGSONG, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.JUSTIFY, False)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    for style_key, (name, font, size, bold, color, align) in _PARAGRAPH_STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        _style(style, font, size, bold, color, align, style_key in _INDENTED)
    for level, font in _HEADING_FONTS.items():
        heading = doc.styles[f"Heading {level}"]
        _style(heading, font, BODY_PT, False, BLACK, WD_ALIGN_PARAGRAPH.LEFT, True)
        heading.paragraph_format.keep_with_next = True
    table_style = doc.styles.add_style(_TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_style.base_style = normal
    _style(table_style, FANGSONG, 10.5, False, BLACK, WD_ALIGN_PARAGRAPH.CENTER, False)
    table_style.paragraph_format.line_spacing = 1.0


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


def _repeat_as_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    tr_pr.append(flag)


def _add_table(doc, table: r.Table) -> None:
    header = r.header_rows(table.columns)
    grid = doc.add_table(rows=len(header) + len(table.rows), cols=len(table.columns))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row_index, cells in enumerate(header):
        col = 0
        for text, colspan, rowspan in cells:
            while grid.cell(row_index, col).text:    # a cell already covered by a row span from above
                col += 1
            cell = grid.cell(row_index, col)
            if colspan > 1 or rowspan > 1:
                cell = cell.merge(grid.cell(row_index + rowspan - 1, col + colspan - 1))
            cell.text = text
            cell.paragraphs[0].style = doc.styles[_TABLE_STYLE]
            cell.paragraphs[0].runs[0].font.bold = True
            col += colspan
        _repeat_as_header(grid.rows[row_index])
    for row_index, values in enumerate(table.rows, start=len(header)):
        for col, (cell, value) in enumerate(zip(grid.rows[row_index].cells, values)):
            cell.text = value
            cell.paragraphs[0].style = doc.styles[_TABLE_STYLE]
            if col == 0:
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
    for block in blocks:
        if isinstance(block, r.Paragraph):
            paragraph = doc.add_paragraph(block.text, style=doc.styles[_PARAGRAPH_STYLES[block.style][0]])
            if block.style == r.DOC_NO:
                _bottom_rule(paragraph)
        elif isinstance(block, r.Heading):
            doc.add_paragraph(block.text, style=doc.styles[f"Heading {block.level}"])
        elif isinstance(block, r.Table):
            _add_table(doc, block)
        elif isinstance(block, r.Image):
            doc.add_picture(str(block.path), width=Cm(15.5))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.paragraphs[-1].paragraph_format.first_line_indent = Pt(0)
            doc.add_paragraph(block.caption, style=doc.styles[_PARAGRAPH_STYLES[r.CAPTION][0]])
        elif isinstance(block, r.PageBreak):
            if block.landscape and not landscape:   # the wide 附件 tables get a landscape section
                _landscape(doc.add_section(WD_SECTION.NEW_PAGE))
                landscape = True
            else:
                doc.add_page_break()

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
