"""Open every page of a built HTML site in headless Chromium and report what is broken.

``python tools/check_site.py docs/_build/html`` serves the folder on localhost, opens each
page and fails (exit status 1) where a page logs a console error, throws, requests a
file that does not load, or shows an image that did not load. It keeps full-page
screenshots of the landing page, the gallery, the benchmarks and the Holter report
under ``SITE/_screenshots/``. Before the site it checks a page broken on purpose, so
that a checker that sees nothing cannot pass.

Needs Playwright (``pip install playwright``, in the ``docs`` extra) and a Chromium:
``$CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH (Debian:
``apt-get install chromium``); Playwright's own browser download is not used.
"""

import argparse
import functools
import http.server
import os
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

#: Chromium flags for a machine without a display or outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ("index.html", "auto_examples/index.html", "benchmarks.html", "holter_report.html")
_BROKEN_IMAGES = """() => Array.from(document.images)
    .filter(img => img.loading !== "lazy" || img.complete)
    .filter(img => !img.complete || img.naturalWidth === 0)
    .map(img => img.getAttribute("src"))"""


def find_chromium() -> str | None:
    """Path of the Chromium executable, None when there is none."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder):
    """Serve ``folder`` on a free localhost port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def check_pages(folder, pages=None, *, screenshot_dir=None, screenshots=SCREENSHOTS):
    """Open each page of ``folder`` in headless Chromium and list its problems.

    Parameters
    ----------
    folder : path-like
        The site's root folder.
    pages : list of str or None
        Pages relative to ``folder``; None for every ``.html`` file outside folders
        whose names start with ``_``.
    screenshot_dir : path-like or None
        Where full-page screenshots of ``screenshots`` are written (None: none).
    screenshots : sequence of str
        The pages to photograph.

    Returns
    -------
    problems : dict
        ``{page: [problem, ...]}`` for the pages that have any.
    """
    from playwright.sync_api import sync_playwright

    folder = Path(folder)
    if pages is None:
        pages = sorted(
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*.html")
            if not any(part.startswith("_") for part in p.relative_to(folder).parts[:-1])
        )
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found: set CHROMIUM or install chromium")
    problems = {}
    with serve(folder) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        found = []
        page.on("console", lambda m: m.type == "error" and found.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: found.append(f"script error: {e}"))
        page.on("requestfailed", lambda r: found.append(f"request failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and found.append(f"HTTP {r.status}: {r.url}"))
        for name in pages:
            found.clear()
            page.goto(base + name, wait_until="networkidle")
            found += [f"image not loaded: {src}" for src in page.evaluate(_BROKEN_IMAGES)]
            if screenshot_dir is not None and name in screenshots:
                out = Path(screenshot_dir) / (name.replace("/", "_")[: -len(".html")] + ".png")
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out), full_page=True)
            if found:
                problems[name] = list(dict.fromkeys(found))
        browser.close()
    return problems


BROKEN_PAGE = """<!DOCTYPE html><html><head><title>broken</title></head><body>
<img src="missing.png" alt="an image that does not exist">
<script>console.error("an error on purpose");</script>
</body></html>"""


def self_check():
    """Raise unless a page with a missing image and a console error is reported."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "broken.html").write_text(BROKEN_PAGE)
        found = check_pages(tmp).get("broken.html", [])
    text = "\n".join(found)
    if "missing.png" not in text or "an error on purpose" not in text:
        raise RuntimeError(f"the checker misses the problems of a broken page: {found}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", help="the built site's folder, e.g. docs/_build/html")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        parser.error(f"{site} holds no index.html: build the site first")
    self_check()
    problems = check_pages(site, screenshot_dir=site / "_screenshots")
    n_pages = sum(1 for _ in site.rglob("*.html"))
    for page, found in problems.items():
        print(f"{page}:", *found, sep="\n  ")
    print(f"{len(problems)} of the site's pages with problems; screenshots in {site}/_screenshots")
    print(f"({n_pages} HTML files under {site}, those in folders named _* not opened)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
