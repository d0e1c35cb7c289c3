"""A real browser for the page tests: Debian's Chromium driven by Playwright against the live
server. ``Visitor`` is one person's tab; it remembers every request (no page may load anything
from another host) and runs axe-core (installed by ``npm ci``, injected from node_modules, never
from the network) to check the page against the WCAG 2 A/AA rules."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = (("360", PHONE), ("desktop", DESKTOP))
PASSWORD = "secret-pass-123"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# What a keyboard user sees on the focused element: a ring (outline) or a shadow, and how the
# ring's colour stands out against the background around it (WCAG 1.4.11 asks for 3:1).
FOCUS_STYLE_JS = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const rgb = colour => colour.match(/[\\d.]+/g).map(Number);
  const luminance = colour => {
    const [r, g, b] = rgb(colour).slice(0, 3).map(value => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // The ring is drawn outside the element: the background is the nearest opaque one around it.
  let around = element.parentElement;
  let background = "rgb(255, 255, 255)";
  while (around) {
    const colour = getComputedStyle(around).backgroundColor;
    if (rgb(colour).length < 4 || rgb(colour)[3] > 0) { background = colour; break; }
    around = around.parentElement;
  }
  const [lighter, darker] = [luminance(style.outlineColor), luminance(background)].sort(
    (a, b) => b - a);
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    name: element.getAttribute("name"),
    href: element.getAttribute("href"),
    text: (element.innerText || element.value || "").trim().slice(0, 40),
    outline: style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0,
    ringContrast: Math.round((lighter + 0.05) / (darker + 0.05) * 10) / 10,
    shadow: style.boxShadow !== "none",
  };
}"""


# Under the site's Content-Security-Policy: every violation the page reports is kept in the
# page (injected by the browser before any page script; not subject to the policy).
CSP_LISTENER_JS = """window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", event => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` (${event.sourceFile || location.pathname}:${event.lineNumber})`);
});"""


class Visitor:
    """One person's browser tab; remembers every request to check the hosts, and every
    Content-Security-Policy violation a page reports (``csp_violations``)."""

    def __init__(self, browser, live_server, name: str, language: str = "de"):
        self.base = live_server.url
        self.context = browser.new_context(viewport=DESKTOP, locale=language)
        self.page = self.context.new_page()
        self.name = name
        self.requested_hosts: set[str] = set()
        self.page.on(
            "request", lambda request: self.requested_hosts.add(urlparse(request.url).netloc)
        )
        self.pages_html: list[tuple[str, str]] = []
        self.context.add_init_script(CSP_LISTENER_JS)
        self.console_csp: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.console_csp.append(f"{self.page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        self.seen_violations: list[str] = []

    def go(self, path: str):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        self.pages_html.append((path, self.page.content()))
        self.collect_violations()

    def collect_violations(self) -> None:
        found = self.page.evaluate("window.__cspViolations || []")
        self.seen_violations += [f"{self.page.url}: {entry}" for entry in found]
        self.page.evaluate("window.__cspViolations = []")

    def csp_violations(self) -> list[str]:
        """Every violation of the Content-Security-Policy reported since the tab opened:
        the pages' securitypolicyviolation events and the console's reports."""
        self.collect_violations()
        return self.seen_violations + self.console_csp

    def sign_in(self, username: str):
        """Sign in through the pages; someone who needs a second factor (coordinators) has
        an authenticator and gives a recovery code of theirs at the second step."""
        from django.contrib.auth import get_user_model

        from accounts.selectors import second_factor_needed
        from tests.support.two_factor import authenticator, recovery_code

        user = get_user_model().objects.filter(username=username).first()
        needs_code = user is not None and second_factor_needed(user)
        if needs_code:
            authenticator(user)
        self.go("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        if needs_code and "/accounts/two-factor/verify/" in self.page.url:
            self.page.fill("#id_code", recovery_code(user))
            with self.page.expect_navigation():
                self.page.click("main button[type=submit]")
            self.page.wait_for_load_state("networkidle")

    def shoot(self, label: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width_name, size in WIDTHS:
            self.page.set_viewport_size(size)
            self.page.screenshot(
                path=str(SCREENSHOTS / f"{self.name}-{label}-{width_name}.png"), full_page=True
            )
        self.page.set_viewport_size(DESKTOP)
        self.pages_html.append((label, self.page.content()))

    def axe_violations(self, label: str) -> list[str]:
        """The WCAG 2 A/AA violations axe-core finds on the current page at phone and at
        desktop width, one readable line per rule and element."""
        # Evaluated through the DevTools protocol: an injected <script> would (rightly) be
        # refused by the site's Content-Security-Policy.
        self.page.evaluate(AXE.read_text())
        found: list[str] = []
        for width_name, size in WIDTHS:
            self.page.set_viewport_size(size)
            result = self.page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                WCAG_A_AA,
            )
            for violation in result["violations"]:
                for node in violation["nodes"]:
                    found.append(
                        f"{self.name} {label} @{width_name}: {violation['id']} "
                        f"({violation['impact']}) {violation['help']} — "
                        f"{' '.join(node['target'])}: {node['failureSummary']}".replace("\n", " ")
                    )
        self.page.set_viewport_size(DESKTOP)
        return found

    def focused(self) -> dict:
        """The focused element and the width of its focus ring."""
        return self.page.evaluate(FOCUS_STYLE_JS)

    def press_tab(self, key: str = "Tab") -> dict:
        """Move the focus on; the element reached must show a focus indicator with 3:1
        contrast against what is around it."""
        self.page.keyboard.press(key)
        return self.assert_focus_shown(self.focused())

    @staticmethod
    def assert_focus_shown(focused: dict) -> dict:
        assert focused["outline"] >= 2 or focused["shadow"], (
            f"no visible focus indicator on {focused}"
        )
        assert focused["shadow"] or focused["ringContrast"] >= 3, (
            f"the focus ring hardly stands out on {focused}"
        )
        return focused

    def tab_to(self, selector: str, *, backwards: bool = False, most: int = 60) -> dict:
        """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus;
        every element passed on the way must show its focus."""
        key = "Shift+Tab" if backwards else "Tab"
        for _press in range(most):
            focused = self.press_tab(key)
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return focused
        raise AssertionError(f"{selector} is not reachable with {key} ({most} presses)")

    def tab_through(self, most: int = 300) -> list[dict]:
        """Every Tab stop of the page, from the top until the focus leaves it; each must show
        its focus."""
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        stops: list[dict] = []
        for _press in range(most):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("document.activeElement === document.body"):
                return stops
            stops.append(self.assert_focus_shown(self.focused()))
        raise AssertionError(f"the focus does not leave the page after {most} presses")

    def arrow_to(self, value: str, *, most: int = 30):
        """Press ArrowDown in the focused list until it shows ``value``."""
        for _press in range(most):
            if self.page.evaluate("document.activeElement.value") == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{value} is not in the focused list")

    def other_hosts(self) -> set[str]:
        own = urlparse(self.base).netloc
        linked = set()
        for _path, html in self.pages_html:
            for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
                linked.add(urlparse(url).netloc)
        return (self.requested_hosts | linked) - {own}
