"""The installable app's icons (static/img/app-icon-*.png) drawn from the favicon
(static/img/favicon.svg) by Debian's Chromium: 192 and 512 px, and a 512 px "maskable" one
whose picture keeps inside the middle 80 % a phone may cut to a circle or a rounded square.

Run again after changing the favicon: .venv/bin/python scripts/app_icons.py
"""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "static" / "img" / "favicon.svg"
OUT = ROOT / "static" / "img"
BRAND = "#0b4f8a"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip


def page(size: int, *, maskable: bool) -> str:
    data = base64.b64encode(SVG.read_bytes()).decode()
    # Maskable: the brand colour to the edges, the picture in the safe zone (70 %).
    picture = round(size * 0.7) if maskable else size
    background = BRAND if maskable else "transparent"
    return (
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<div style='width:{size}px;height:{size}px;background:{background};"
        "display:flex;align-items:center;justify-content:center'>"
        f"<img src='data:image/svg+xml;base64,{data}' width='{picture}' height='{picture}'>"
        "</div></body></html>"
    )


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for name, size, maskable in (
            ("app-icon-192.png", 192, False),
            ("app-icon-512.png", 512, False),
            ("app-icon-maskable-512.png", 512, True),
        ):
            tab = browser.new_page(viewport={"width": size, "height": size})
            tab.set_content(page(size, maskable=maskable))
            tab.screenshot(path=str(OUT / name), omit_background=not maskable)
            tab.close()
            print(OUT / name)
        browser.close()


if __name__ == "__main__":
    main()
