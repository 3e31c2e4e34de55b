"""tools/check_site.py: the browser check of the documentation site sees what is broken."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
check_site = pytest.importorskip("check_site")
pytest.importorskip("playwright", reason="Playwright not installed (the docs extra has it)")
if check_site.find_chromium() is None:
    pytest.skip("no Chromium (apt-get install chromium, or set CHROMIUM)", allow_module_level=True)


def test_broken_page_is_reported():
    check_site.self_check()  # raises if the missing image or the console error is missed


def test_clean_page_and_screenshot(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!DOCTYPE html><html><head><title>ok</title>"
        '<link rel="icon" href="data:,"></head><body><p>fine</p></body></html>'
    )
    (site / "_static").mkdir()
    (site / "_static" / "skipped.html").write_text(check_site.BROKEN_PAGE)
    shots = tmp_path / "shots"
    assert check_site.check_pages(site, screenshot_dir=shots) == {}
    assert (shots / "index.png").stat().st_size > 0


def test_failed_script_is_reported(tmp_path):
    (tmp_path / "page.html").write_text(
        '<!DOCTYPE html><html><head><link rel="icon" href="data:,">'
        '<script src="missing.js"></script></head>'
        "<body><script>undefinedFunction();</script></body></html>"
    )
    found = "\n".join(check_site.check_pages(tmp_path)["page.html"])
    assert "HTTP 404" in found and "missing.js" in found
    assert "undefinedFunction" in found
