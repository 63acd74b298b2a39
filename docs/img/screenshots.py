"""Take the screenshots docs/app.md shows, from the demo store `make run` serves.

    .venv/bin/python docs/img/screenshots.py

Fills a demo store in a temporary folder, serves it on a free loopback port, logs in through the
form in Debian's Chromium (Playwright), makes an alert rule on the digits model through the
app's form (the share of drifted columns above 0.3 for two runs, which fires on the shifted
weeks), and saves the models list, the digits model's dashboard, its last run's page, its alerts
and the alert's page at 1280 and 390 pixels wide, cropped and reduced to 128 colours, as
docs/img/app-*.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.server._serve import Server  # noqa: E402

from driftscope.demo.store import fill_store  # noqa: E402

PASSWORD = "screenshots of the demo store"
#: Each picture: its name, the page, what to wait for, and the height it is cropped to.
PAGES = (
    ("models", "/models", "table.models", 760),
    ("dashboard", "/models/digits", "#dashboard[data-drawn=true]", 2000),
    ("run", "/models/digits/runs/6", "iframe.report", 1500),
    ("alerts", "/models/digits/alerts", "table.alerts", 900),
    ("alert", "/alerts/1", "table.history", 1200),
)


def _make_rule(page: Any, origin: str) -> None:
    """The rule the alert pictures show, made through the app's form as a user makes it."""
    page.goto(f"{origin}/models/digits/alerts/rules/new")
    page.get_by_label("Name", exact=True).fill("most columns drifted")
    page.get_by_label("Signal", exact=True).select_option("drift_share")
    page.get_by_label("Threshold", exact=True).fill("0.3")
    page.get_by_label("For runs in a row", exact=True).fill("2")
    page.get_by_label("Severity", exact=True).select_option("critical")
    page.get_by_role("button", name="Make the rule").click()
    page.wait_for_url(f"{origin}/models/digits/alerts")


def _save(shot: Path, out: Path, height: int) -> None:
    with Image.open(shot) as image:
        picture = image.convert("RGB")
    picture = picture.crop((0, 0, picture.width, min(height, picture.height)))
    if picture.width > 1000:
        picture = picture.resize((picture.width * 3 // 4, picture.height * 3 // 4), Image.LANCZOS)
    picture.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        fill_store(store, admin_password=PASSWORD)
        server = Server(store, f"sqlite:///{store / 'driftscope.db'}", {})
        server.start()
        try:
            origin = server.url.removesuffix("/api/v1")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                for width, height in ((1280, 900), (390, 844)):
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(f"{origin}/login")
                    page.get_by_label("User name").fill("admin")
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url(f"{origin}/models")
                    if width > 1000:
                        _make_rule(page, origin)
                    for name, path, ready, crop in PAGES:
                        page.goto(f"{origin}{path}")
                        page.wait_for_selector(ready)
                        if name == "run":
                            page.locator("iframe.report").scroll_into_view_if_needed()
                            page.evaluate("window.scrollTo(0, 0)")
                        page.wait_for_timeout(800)
                        shot = Path(folder) / f"{name}-{width}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        out = ROOT / "docs" / "img" / f"app-{name}-{width}.png"
                        _save(shot, out, crop if width > 1000 else crop * 2)
                        print(out.relative_to(ROOT))
                    page.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
