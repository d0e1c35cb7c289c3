"""Fonts for the PDFs the product writes (reportlab): DejaVu Sans where Debian's
fonts-dejavu-core is installed (names beyond Latin-1), else Helvetica."""

from __future__ import annotations

from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def pdf_fonts() -> tuple[str, str]:
    """The names of the regular and the bold font, registered with reportlab."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"
