"""Browser test of the front view in the web app (issue 12), in Debian's Chromium on a
desktop window and on a 390x844 phone: the upload form's front drop box, a side + front
job whose results page has a Front tab, History listing it, and a comparison of two
front sessions. The analysis is the stand-in of the API tests (a real kinematics result
of the parametric runner for each view asked for)."""

from __future__ import annotations

import re

import pytest
from test_browser import CHROMIUM_ARGS, chromium_path
from test_browser_coach import VIEWPORTS, big_enough, no_sideways_scroll, watch_progress


def upload_side_and_front(page, base: str, clip, runner: str) -> str:
    from playwright.sync_api import expect

    page.goto(base + "/")
    no_sideways_scroll(page)
    expect(page.locator("#drop-front")).to_be_visible()
    expect(page.locator("#drop-front .drop-title")).to_have_text("Front view")
    big_enough(page.locator(".drop"))
    page.set_input_files("#file-side", str(clip))
    page.set_input_files("#file-front", str(clip))
    expect(page.locator("#name-front")).to_contain_text(clip.name)
    page.fill("input[name=runner_name]", runner)
    page.click("#analyse")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{32}$"), timeout=60_000)
    return page.url.rsplit("/", 1)[1]


def check_front_tab(page) -> None:
    from playwright.sync_api import expect

    tab = page.locator("#tab-front")
    expect(tab).to_have_text("Front view")
    expect(page.locator("#panel-front")).to_be_hidden()  # side comes first
    big_enough(tab)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-front")).to_be_visible()
    expect(page.locator("#panel-side")).to_be_hidden()
    expect(page.locator("#metrics-front tr[data-metric=pelvic_drop_peak_deg]")).to_have_count(1)
    expect(page.locator("#panel-front")).to_contain_text("Downloads · front view")
    no_sideways_scroll(page)


def three_clips_are_refused(page, base: str, clip) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/")
    for view in ("side", "rear", "front"):
        page.set_input_files(f"#file-{view}", str(clip))
    page.click("#analyse")
    expect(page.locator("#upload-error")).to_contain_text("at most two clips")
    assert re.search(r"/$", page.url)


def front_flow(browser, base: str, clip, viewport: str) -> list[str]:
    from playwright.sync_api import expect

    phone = viewport == "phone"
    ctx = browser.new_context(viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    runner = f"Fay {viewport}"
    three_clips_are_refused(page, base, clip)
    first = upload_side_and_front(page, base, clip, runner)
    watch_progress(page)
    check_front_tab(page)

    upload_side_and_front(page, base, clip, runner)
    watch_progress(page)
    page.click("#compare-previous")
    page.wait_for_url(re.compile(r".*/compare\?.*"))
    expect(page.locator("#compare-front")).to_have_count(1)
    expect(page.locator("#compare-side")).to_have_count(1)
    no_sideways_scroll(page)

    page.goto(base + "/history")
    row = page.locator(f"#job-{first}")
    expect(row).to_contain_text(runner)
    no_sideways_scroll(page)
    ctx.close()
    return errors


@pytest.mark.browser
def test_front_view_upload_tab_history_compare_in_chromium(live_server, small_video):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    server = live_server("gvweb_fakes:slow_analyze", env={"GV_FAKE_SECONDS": "1"}).start()
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for viewport in VIEWPORTS:
                errors = front_flow(browser, server.url, small_video, viewport)
                assert not errors, (viewport, errors)
        finally:
            browser.close()
