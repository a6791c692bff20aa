"""Browser test: Debian's Chromium driven by Playwright through the whole web app, with
the real pipeline on the sample side clip (pose, kinematics, report: a minute or more)."""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "videos"
SCREENSHOT = REPO / "docs" / "screenshot-results.png"
PHONE_SCREENSHOT = REPO / "docs" / "screenshot-phone-results.png"
COMPARE_SCREENSHOT = REPO / "docs" / "screenshot-compare.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


def sample_side_clip() -> Path | None:
    """The committed sample side clip, else the shared real clip, else None."""
    found = sorted((REPO / "sample_videos").glob("*side*.mp4"))
    if found:
        return found[0]
    shared = SHARED / "treadmill_side_male_30fps.mp4"
    return shared if shared.is_file() else None


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def poll(predicate, timeout_s: float, interval_s: float = 0.1) -> None:
    """Wait for ``predicate()`` (page.wait_for_function would need 'unsafe-eval', which
    the app's Content-Security-Policy rightly refuses)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the page")
        time.sleep(interval_s)


def drive(base_url: str, clip: Path, screenshot: Path | None, timeout_s: float = 1200) -> dict:
    """Upload ``clip`` in the browser and check everything the results page promises.

    Returns what was measured (stages seen, job time, PDF pages ...).
    """
    from playwright.sync_api import expect, sync_playwright
    from pypdf import PdfReader

    out: dict = {"stages": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 1500}, accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/")
            expect(page.get_by_text("Tripod at hip height")).to_be_visible()
            page.set_input_files("#file-side", str(clip))
            expect(page.locator("#name-side")).to_contain_text(clip.name)
            page.fill("input[name=runner_name]", "Sample runner")
            page.fill("input[name=height_cm]", "178")
            page.fill("input[name=speed_kmh]", "12")
            t0 = time.monotonic()
            page.click("#analyse")
            page.wait_for_url("**/jobs/*", timeout=120_000)
            out["upload_s"] = time.monotonic() - t0

            # Progress: watch the live stage/percentage until the results page replaces it.
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                if page.locator("#metrics-side").count():
                    break
                failed = page.locator("#progress[data-status=failed] #job-error")
                if failed.count():
                    raise AssertionError("analysis failed: " + failed.inner_text())
                try:
                    text = page.locator("#job-stage").inner_text(timeout=1000)
                    pct = page.locator("#job-percent").inner_text(timeout=1000)
                    if not out["stages"] or out["stages"][-1][0] != text.split(" ")[0]:
                        out["stages"].append((text.split(" ")[0], pct))
                except Exception:  # noqa: BLE001 - the page reloads when the job is done
                    pass
                page.wait_for_timeout(500)
            out["job_s"] = time.monotonic() - t0
            expect(page.locator("#metrics-side")).to_be_visible(timeout=30_000)
            rows = page.locator("#metrics-side tbody tr")
            out["metric_rows"] = rows.count()
            assert out["metric_rows"] >= 3
            expect(page.locator("#metrics-side")).to_contain_text("Cadence")

            # The player: visible, loaded, rate control, frame stepping, event jumps.
            video = page.locator("#video-side")
            expect(video).to_be_visible()
            poll(lambda: video.evaluate("v => v.readyState") >= 2, 60)
            panel = page.locator("#panel-side")
            select = panel.locator(".clip-select")
            if select.count():  # a stride loop: its own timeline, so no event jumps
                loop = select.locator("option[data-realtime='0']").first.get_attribute("value")
                select.select_option(loop)
                expect(panel.locator(".events")).to_be_hidden()
                poll(lambda: video.evaluate("v => v.readyState") >= 2, 30)
                # the slow-motion clip (4x slower): speeds are of real time, not on top of it
                slow = select.locator("option[value$='slowmo.mp4']")
                if slow.count():
                    select.select_option(slow.get_attribute("value"))
                    poll(lambda: video.evaluate("v => v.readyState") >= 2, 30)
                    panel.locator("button.rate[data-rate='0.25']").click()
                    out["slowmo_rate"] = video.evaluate("v => v.playbackRate")
                    assert out["slowmo_rate"] == 1.0
                    panel.locator(".steps button.step[data-step='1']").click()
                    real = float(panel.locator(".frame-out").get_attribute("data-real"))
                    fps_src = float(panel.get_attribute("data-source-fps"))
                    assert abs(real - 1 / fps_src) < 1e-3  # frame 1 is 1/60 s of real time
                select.select_option(index=0)
                expect(panel.locator(".events")).to_be_visible()
                poll(lambda: video.evaluate("v => v.readyState") >= 2, 30)
            panel.locator("button.rate[data-rate='1.0']").click()
            assert video.evaluate("v => v.playbackRate") == 1.0
            panel.locator("button.rate[data-rate='0.25']").click()
            assert video.evaluate("v => v.playbackRate") == 0.25
            expect(panel.locator(".rate-out")).to_have_text("0.25×")
            fps = float(panel.get_attribute("data-fps") or 30)
            frame_out = panel.locator(".frame-out")
            page.locator("body").click(position={"x": 5, "y": 5})
            page.keyboard.press("ArrowRight")
            expect(frame_out).to_have_attribute("data-frame", "1")
            poll(lambda: abs(video.evaluate("v => v.currentTime") - 1.5 / fps) < 1e-3, 10)
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowLeft")
            expect(frame_out).to_have_attribute("data-frame", "1")
            panel.locator(".steps button.step[data-step='1']").click()
            expect(frame_out).to_have_attribute("data-frame", "2")
            ic = panel.locator("button.ev.ic").first
            out["events"] = panel.locator("button.ev").count()
            if out["events"]:
                target = ic.get_attribute("data-frame")
                ic.click()
                if target is not None:
                    expect(frame_out).to_have_attribute("data-frame", target)
                expect(ic).to_have_class(re.compile(r"\bnear\b"))
            out["paused"] = video.evaluate("v => v.paused")

            # The PDF download parses.
            with page.expect_download() as info:
                page.click("#download-pdf")
            pdf_path = info.value.path()
            out["pdf_name"] = info.value.suggested_filename
            reader = PdfReader(io.BytesIO(Path(pdf_path).read_bytes()))
            out["pdf_pages"] = len(reader.pages)
            out["pdf_text"] = reader.pages[0].extract_text() or ""
            assert out["pdf_pages"] >= 1

            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.evaluate("window.scrollTo(0, 0)")
                poll(lambda: video.evaluate("v => !v.seeking && v.readyState >= 2"), 10)
                page.wait_for_timeout(300)
                page.screenshot(path=str(screenshot), full_page=False)
            if screenshot is not None:
                second_session_and_phone(page, base_url, clip, screenshot.parent, out)
            out["js_errors"] = errors
            assert not errors, errors
        finally:
            browser.close()
    return out


def second_session_and_phone(page, base_url: str, clip: Path, shots: Path, out: dict) -> None:
    """The phone view of the results, then the same clip analysed again and compared with
    the first session: the acceptance test of "no real change" through the web app."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#plain-summary")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / PHONE_SCREENSHOT.name), full_page=False)
    page.set_viewport_size({"width": 1360, "height": 1100})
    page.goto(base_url + "/")
    page.set_input_files("#file-side", str(clip))
    page.fill("input[name=runner_name]", "Sample runner")
    page.click("#analyse")
    page.wait_for_url("**/jobs/*", timeout=120_000)
    page.locator("#compare-previous").wait_for(timeout=600_000)
    page.click("#compare-previous")
    expect(page.locator("#compare-verdict")).to_be_visible(timeout=300_000)
    out["compare_rows"] = page.locator("table.compare tbody tr").count()
    out["compare_real"] = page.locator("table.compare tbody tr.real").count()
    expect(page.locator("#no-real-change")).to_be_visible()
    video = page.locator("#video-side")
    poll(lambda: video.evaluate("v => v.readyState") >= 2, 60)
    page.locator("#panel-side .steps button.step[data-step='1']").click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / COMPARE_SCREENSHOT.name), full_page=False)
    # Edit session B (uploaded without a height): height 178 cm, re-computed without pose,
    # gives the distances in cm too.
    page.click("text=Session B")
    expect(page.locator("#plain-summary")).to_be_visible()
    assert page.locator("tr[data-metric=overstride_cm]").count() == 0
    page.locator("#edit summary").click()
    page.fill("#edit input[name=height_cm]", "178")
    t0 = time.monotonic()
    page.click("#edit-save")
    page.locator("#plain-summary").wait_for(timeout=600_000)
    out["recompute_s"] = time.monotonic() - t0
    expect(page.locator("#job-note")).to_have_count(0)  # no "re-computation failed"
    expect(page.locator("tr[data-metric=overstride_cm]")).to_have_count(1)


@pytest.mark.browser
@pytest.mark.slow
def test_browser_upload_progress_results_pdf(live_server, tmp_path):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    pytest.importorskip("pypdf", reason="pypdf is not installed")
    pytest.importorskip("fastapi", reason="web extras not installed (pip install 'gaitvision[web]')")
    clip = sample_side_clip()
    if clip is None:
        pytest.skip("no sample side clip in sample_videos/ and no ../shared/videos")
    # A private pose cache, so the pipeline really runs pose.
    server = live_server("gaitvision.pipeline:analyze",
                         env={"GAITVISION_CACHE": str(tmp_path / "pose-cache")}).start()
    # The screenshot always goes to the test's folder; docs/ is refreshed only on request
    # (GAITVISION_UPDATE_SCREENSHOT=1) or when missing, so a test run leaves the tree clean.
    shot = tmp_path / "screenshot-results.png"
    out = drive(server.url, clip, shot)
    for final in (SCREENSHOT, PHONE_SCREENSHOT, COMPARE_SCREENSHOT):
        if os.environ.get("GAITVISION_UPDATE_SCREENSHOT") == "1" or not final.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / final.name, final)
    print(f"\nbrowser test: {clip.name}, upload {out['upload_s']:.1f} s, job {out['job_s']:.0f} s, "
          f"stages {out['stages']}, {out['metric_rows']} metric rows, {out['events']} events, "
          f"PDF {out['pdf_pages']} pages ({out['pdf_name']}); compare: {out['compare_rows']} rows, "
          f"{out['compare_real']} real changes; edit + recompute {out['recompute_s']:.0f} s")
    assert out["compare_real"] == 0 and out["compare_rows"] >= 10
    assert out["paused"]
    # Nothing served reveals where the server keeps its data.
    import httpx

    job = httpx.get(server.url + "/api/jobs").json()[-1]  # the first session (newest first)
    assert job["status"] == "done" and "cadence_spm" in job["headline"]
    metrics = httpx.get(f"{server.url}{job['url']}/files/side/metrics.json").text
    assert str(server.data_dir) not in metrics and str(server.data_dir) not in out["pdf_text"]
    assert "Cadence" in out["pdf_text"] or "cadence" in out["pdf_text"].lower()
    assert shot.stat().st_size > 50_000 and SCREENSHOT.is_file()
