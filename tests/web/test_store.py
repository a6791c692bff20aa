"""Job progress as the web page shows it."""

from gaitvision.web.store import STAGE_WEIGHTS, overall_percent


def test_progress_never_goes_back_and_ends_at_100():
    seen = [overall_percent(stage, f / 10) for stage in STAGE_WEIGHTS for f in range(11)]
    assert seen == sorted(seen)
    assert seen[0] == 0.0 and seen[-1] == 100.0


def test_rendering_gets_its_measured_share():
    # rendering took about twice as long as pose on the real side clip: the bar must not
    # sit near the end while the videos and the PDF are made
    assert overall_percent("rendering", 0.0) < 50.0
