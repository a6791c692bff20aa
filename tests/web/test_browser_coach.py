"""Browser tests of the coach's workflow in Debian's Chromium, on a desktop window and on a
390x844 phone: upload (with and without JavaScript), progress, cancel, retry, delete,
compare and the player; no sideways scrolling and 44 px touch targets on every page.

The analysis is the stand-in of the API tests (a real kinematics result of the
parametric runner, written through the real records, in a few seconds);
test_browser.py runs the real pipeline once.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from test_browser import CHROMIUM_ARGS, chromium_path, poll

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900},
             "phone": {"width": 390, "height": 844}}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: page is {width} px wide in a {inner} px window"


def big_enough(locator) -> None:
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        if box is None:  # not displayed (e.g. collapsed)
            continue
        assert box["height"] >= 44 and box["width"] >= 44, (locator, box)


def upload_clip(page, base: str, clip: Path, runner: str) -> str:
    page.goto(base + "/")
    no_sideways_scroll(page)
    page.set_input_files("#file-side", str(clip))
    page.fill("input[name=runner_name]", runner)
    page.click("#analyse")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{32}$"), timeout=60_000)
    return page.url.rsplit("/", 1)[1]


def watch_progress(page) -> list[float]:
    """Percentages the bar showed until the results page replaced the progress page."""
    seen: list[float] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not page.locator("#plain-summary").count():
        try:
            text = page.locator("#job-percent").inner_text(timeout=500)
            seen.append(float(text.rstrip("%")))
            no_sideways_scroll(page)
        except Exception:  # noqa: BLE001 - the page reloads when the job is done
            pass
        page.wait_for_timeout(250)
    page.locator("#plain-summary").wait_for(timeout=30_000)
    return seen


def check_player(page) -> None:
    panel = page.locator("#panel-side")
    video = page.locator("#video-side")
    assert video.get_attribute("controls") is None  # our controls, never over the frame
    poll(lambda: video.evaluate("v => v.readyState") >= 1, 30)
    vbox = video.bounding_box()
    controls = panel.locator(".controls").bounding_box()
    assert controls["y"] >= vbox["y"] + vbox["height"] - 1
    big_enough(panel.locator(".steps button, .rates button, button.ev, button.evnav"))
    frame_out = panel.locator(".frame-out")
    panel.locator(".steps button.step[data-step='1']").click()
    expect_attr(frame_out, "data-frame", "1")
    panel.locator(".steps button.step[data-step='1']").click()
    expect_attr(frame_out, "data-frame", "2")
    panel.locator("button.rate[data-rate='0.5']").click()
    # annotated clip: same timing as the source, so rate 0.5 of real time is 0.5 of the clip
    assert abs(video.evaluate("v => v.playbackRate") - 0.5) < 1e-6
    ev = panel.locator("button.ev").nth(1)
    ev.scroll_into_view_if_needed()
    ev.click()
    expect_attr(frame_out, "data-frame", ev.get_attribute("data-frame"))
    real = float(frame_out.get_attribute("data-real"))
    assert abs(real - float(ev.get_attribute("data-time"))) < 1.0 / 60 + 1e-6


def expect_attr(locator, name: str, value: str) -> None:
    from playwright.sync_api import expect

    expect(locator).to_have_attribute(name, value)


def run_flow(browser, base: str, clip: Path, viewport: str, shots: Path) -> dict:
    from playwright.sync_api import expect

    phone = viewport == "phone"
    ctx = browser.new_context(viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone,
                              accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: d.accept())
    out: dict = {}

    # 1. upload, progress (forward only), results, player
    first = upload_clip(page, base, clip, "Ana")
    out["progress"] = seen = watch_progress(page)
    assert seen == sorted(seen), seen
    no_sideways_scroll(page)
    check_player(page)
    if phone:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(shots / "screenshot-phone-results.png"), full_page=False)

    # 2. a second session of the same runner, then "compare with the previous session"
    upload_clip(page, base, clip, "Ana")
    watch_progress(page)
    page.click("#compare-previous")
    page.wait_for_url(re.compile(r".*/compare\?.*"))
    expect(page.locator("#no-real-change")).to_be_visible()
    no_sideways_scroll(page)
    cmp_video = page.locator("#video-side")
    poll(lambda: cmp_video.evaluate("v => v.readyState") >= 1, 30)
    page.locator("#panel-side .steps button.step[data-step='1']").click()
    expect_attr(page.locator("#panel-side .frame-out"), "data-frame", "1")
    page.locator("#panel-side button.play").click()
    poll(lambda: not cmp_video.evaluate("v => v.paused"), 10)
    page.locator("#panel-side button.play").click()
    if not phone:
        page.screenshot(path=str(shots / "screenshot-compare.png"), full_page=False)

    # 3. History: filter, pick two, compare
    page.goto(base + "/history?group=1")
    no_sideways_scroll(page)
    expect(page.locator("#runner-groups")).to_contain_text("Ana")
    boxes = page.locator("#history-list input[name=job]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#compare-selected")
    expect(page.locator("#compare-verdict")).to_be_visible()

    # 4. cancel a running analysis, retry it, delete it from History
    third = upload_clip(page, base, clip, "Bo")
    with page.expect_navigation():
        page.click("#cancel")
    expect(page.locator("#retry")).to_be_visible(timeout=20_000)
    expect(page.locator("#job-error")).to_have_text("Cancelled.")
    no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("#retry")
    expect(page.locator("#cancel")).to_be_visible()
    page.click("#cancel")
    expect(page.locator("#retry")).to_be_visible(timeout=20_000)
    page.goto(base + "/history")
    row = page.locator(f"#job-{third}")
    big_enough(row.locator("button.delete"))
    row.locator("button.delete").click()
    page.wait_for_url(re.compile(r".*/history$"))
    expect(page.locator(f"#job-{third}")).to_have_count(0)
    expect(page.locator(f"#job-{first}")).to_have_count(1)
    no_sideways_scroll(page)
    page.goto(base + "/api/docs")
    no_sideways_scroll(page)
    expect(page.locator("main")).to_contain_text("/api/jobs/{job_id}/retry")
    out["errors"] = errors
    ctx.close()
    return out


def upload_without_javascript(browser, base: str, clip: Path) -> None:
    """The no-JavaScript fallback: a plain form post (the browser's own Origin header)."""
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(base + "/")
    page.set_input_files("#file-side", str(clip))
    page.click("#analyse")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]{32}$"), timeout=60_000)
    assert "Cross-origin" not in page.content()
    ctx.close()


@pytest.mark.browser
def test_coach_workflow_in_chromium_desktop_and_phone(live_server, small_video, tmp_path):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    server = live_server("gvweb_fakes:slow_analyze", env={"GV_FAKE_SECONDS": "4"}).start()
    shots = tmp_path / "shots"
    shots.mkdir()
    results = {}
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            upload_without_javascript(browser, server.url, small_video)
            for viewport in VIEWPORTS:
                results[viewport] = run_flow(browser, server.url, small_video, viewport, shots)
        finally:
            browser.close()
    for viewport, out in results.items():
        assert not out["errors"], (viewport, out["errors"])
        assert len(set(out["progress"])) >= 2, (viewport, out["progress"])
    import os

    if os.environ.get("GAITVISION_UPDATE_SCREENSHOT") == "1":
        for name in ("screenshot-compare.png", "screenshot-phone-results.png"):
            shutil.copyfile(shots / name, DOCS / name)


@pytest.mark.browser
def test_failed_analysis_retry_in_chromium(live_server, small_video):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from playwright.sync_api import expect

    server = live_server("gvweb_fakes:failing_analyze").start()
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for viewport in VIEWPORTS.values():
                page = browser.new_page(viewport=viewport)
                upload_clip(page, server.url, small_video, "Cy")
                expect(page.locator("#retry")).to_be_visible(timeout=30_000)
                expect(page.locator("#job-error")).to_contain_text("the clip is only 1.0 s long")
                no_sideways_scroll(page)
                big_enough(page.locator("#retry"))
                with page.expect_navigation():
                    page.click("#retry")
                # it runs again from the stored clip and fails again with the same reason
                expect(page.locator("#retry")).to_be_visible(timeout=30_000)
                expect(page.locator("#job-error")).to_contain_text("the clip is only 1.0 s long")
                page.close()
        finally:
            browser.close()
