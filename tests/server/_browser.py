"""A page of the web app in a real browser, watched: every request it makes and every message
of the console saying the Content-Security-Policy refused something, so a test can assert that
nothing was loaded from outside the server and nothing the page needs was blocked; and the
screenshots a test keeps, checked for being drawn."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

__all__ = ["SCREENSHOTS", "Watched", "log_in", "screenshot", "watched"]

#: Where the screenshots the tests take are kept (CI keeps the folder as an artifact).
SCREENSHOTS = Path(os.environ.get("DRIFTSCOPE_TEST_OUTPUT", "test-output")) / "screenshots"


@dataclass
class Watched:
    page: Any
    origin: str
    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Nothing was requested from outside the server, and the policy refused nothing."""
        assert self.requested, "the browser made no request"
        assert [url for url in self.requested if not url.startswith(self.origin)] == []
        assert self.refused == []


@contextmanager
def watched(browser: Any, origin: str, width: int = 1280, height: int = 900) -> Iterator[Watched]:
    """A new page ``width`` pixels wide in a context of its own (its own cookies), checked with
    `Watched.check` when the block ends without an error."""
    context = browser.new_context(viewport={"width": width, "height": height})
    visit = Watched(context.new_page(), origin)
    visit.page.on("request", lambda request: visit.requested.append(request.url))
    visit.page.on(
        "console",
        lambda message: (
            visit.refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield visit
    finally:
        context.close()
    visit.check()


def log_in(visit: Watched, username: str, password: str, next_page: str = "/models") -> None:
    """Log in through the form, and land on ``next_page``."""
    page = visit.page
    page.goto(f"{visit.origin}/login?next={next_page}")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{visit.origin}{next_page}")


def _drawn(image: Image.Image, what: str) -> None:
    grey = image.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 8, f"{what} looks blank"
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 64, f"{what} has {len(colours)} colours"


def screenshot(page: Any, name: str, parts: tuple[str, ...] = ()) -> Path:
    """The whole page as ``SCREENSHOTS/<name>.png``, checked for being drawn: not one colour,
    and more than text on white (its pixels spread over many grey levels); so is the region of
    each element ``parts`` selects (a frame, a chart)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    for selector in parts:  # a frame out of sight may not be painted until it is seen
        page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        assert min(image.size) >= 300, (name, image.size)
        _drawn(image, name)
        for selector in parts:
            box = page.eval_on_selector(
                selector,
                "e => { const r = e.getBoundingClientRect(), x = scrollX, y = scrollY;"
                " return [r.left + x, r.top + y, r.right + x, r.bottom + y]; }",
            )
            _drawn(image.crop(tuple(round(v) for v in box)), f"{selector} in {name}")
    return path
