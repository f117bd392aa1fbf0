"""The branded A4 sheet every document is printed on (fpdf2).

One class, so the invoice copy, the statement, the notice and the letters share the letterhead,
the addressee block, the tables and the footer with the bank details, and a change of branding
shows everywhere at once. The font is DejaVu Sans from matplotlib's package data: it covers
French accents, the euro and pound signs and the no-break spaces Babel puts in French amounts,
and it is already installed with the project, so no system font is needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from documents.text import day, words

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
GREY = (90, 90, 90)
ADDRESS_X = 112  # mm: the addressee block sits in a DL window envelope's window


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


class Sheet(FPDF):
    """A4 pages with the company's letterhead and footer; one or several documents per file
    (a letter batch starts each letter on its own page with its own page count)."""

    def __init__(self, brand: Mapping, language: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.brand, self.language, self.words = brand, language, words(language)
        self.accent = _rgb(str(brand.get("primary_color") or "#000000"))
        self.first_page = 1
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=24)
        self.add_font(FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_creator(str(brand["company_name"]))
        self.set_author(str(brand["company_name"]))

    def use_language(self, language: str) -> None:
        """Switch the words for the next document of a batch (letters go to customers of several languages)."""
        self.language, self.words = language, words(language)

    def header(self) -> None:
        self.set_font(FAMILY, "B", 15)
        self.set_text_color(*self.accent)
        self.cell(0, 8, str(self.brand["company_name"]), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 8.5)
        self.set_text_color(*GREY)
        self.cell(0, 4.5, str(self.brand["postal_address"]), new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4.5, f"{self.brand['phone']} · {self.brand['reply_to']}", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*self.accent)
        self.set_line_width(0.6)
        self.line(self.l_margin, self.get_y() + 2, self.w - self.r_margin, self.get_y() + 2)
        self.ln(8)
        self._body_font()

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*GREY)
        bank = f"{self.brand['bank_name']} · IBAN {self.brand['iban']} · BIC {self.brand['bic']}"
        self.cell(0, 4, f"{self.brand['company_name']} · {bank}", align="C", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 4, self.words["page"].format(page=self.page_no() - self.first_page + 1), align="C")

    def _body_font(self, size: float = 10, bold: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(0, 0, 0)

    def start(self, customer: Mapping, dated: dt.date, title: str, subtitle: str | None = None) -> None:
        """A new document on a fresh page: addressee, date, title."""
        self.add_page()
        self.first_page = self.page_no()
        if self.page_no() == 1:
            self.set_title(title)
        self.set_x(ADDRESS_X)
        self._body_font(11, bold=True)
        self.multi_cell(
            self.w - ADDRESS_X - self.r_margin, 5.5, str(customer["customer_name"]), new_x="LMARGIN", new_y="NEXT"
        )
        self._body_font(9.5)
        address = customer.get("postal_address")
        if isinstance(address, str) and address:
            self.set_x(ADDRESS_X)
            self.multi_cell(self.w - ADDRESS_X - self.r_margin, 5, address, new_x="LMARGIN", new_y="NEXT")
        self.set_x(ADDRESS_X)
        self.cell(0, 5, f"{self.words['customer_no']} {customer['customer_id']}", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)
        self.set_x(ADDRESS_X)
        self.cell(0, 5, self.words["dated"].format(date=day(dated, self.language)), new_x="LMARGIN", new_y="NEXT")
        self.ln(8)
        self._body_font(14, bold=True)
        self.set_text_color(*self.accent)
        self.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self._body_font(9.5)
            self.set_text_color(*GREY)
            self.cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
        self._body_font()
        self.ln(4)

    def heading(self, text: str) -> None:
        self.ln(2)
        self._body_font(11, bold=True)
        self.set_text_color(*self.accent)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self._body_font()

    def paragraph(self, text: str, size: float = 10, bold: bool = False) -> None:
        self._body_font(size, bold)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self._body_font()
        self.ln(2.5)

    def grid(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence],
        widths: Sequence[float],
        align: Sequence[str],
        bold_rows: int = 0,
        size: float = 9,
    ) -> None:
        """Rows under coloured headings (repeated on a new page), or a plain list when ``headings``
        is None; the last ``bold_rows`` rows are totals, set in bold. A cell given as (text, n)
        spans n columns, so a total's label can run under several headings."""
        self._body_font(size)
        heads = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=self.accent)
        lines = list(rows) if headings is None else [headings, *rows]
        with self.table(
            col_widths=tuple(widths),
            text_align=tuple(align),
            headings_style=heads,
            first_row_as_headings=headings is not None,
            line_height=self.font_size * 1.45,
            borders_layout="HORIZONTAL_LINES",
            width=self.epw,
            padding=(1.6, 1.2, 1.6, 1.2),
        ) as table:
            for i, values in enumerate(lines):
                style = FontFace(emphasis="BOLD") if i >= len(lines) - bold_rows else None
                row = table.row()
                for value in values:
                    text, span = value if isinstance(value, tuple) else (value, 1)
                    row.cell(str(text), style=style, colspan=span)
        self._body_font()
        self.ln(3)

    def remittance(self, references: Sequence[str]) -> None:
        """How to pay by transfer: the bank details and the references to quote."""
        self.heading(self.words["remittance"])
        self.paragraph(
            f"{self.words['bank']}{self.words['colon']} {self.brand['bank_name']}\n"
            f"IBAN{self.words['colon']} {self.brand['iban']}\nBIC{self.words['colon']} {self.brand['bic']}"
        )
        self.paragraph(f"{self.words['reference']} ({', '.join(references)})", size=9)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
