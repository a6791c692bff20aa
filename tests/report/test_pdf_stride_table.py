"""The PDF's per-stride table lists what the view summarises, and says what it leaves out."""

from __future__ import annotations

from types import SimpleNamespace

from gaitvision.report.pdf_sections import paragraph_styles, stride_table


def _stride(index: int, side: str, metrics: dict):
    return SimpleNamespace(index=index, side=side, start_s=0.7 * index, duration_s=0.7,
                           metrics=metrics, excluded=False)


def _texts(flowables) -> list[str]:
    out = []
    for f in flowables:
        if hasattr(f, "text"):
            out.append(f.text)
        for row in getattr(f, "_cellvalues", []):
            out += [getattr(c, "text", str(c)) for c in row]
    return out


def test_a_value_the_view_does_not_summarise_is_not_printed_per_stride():
    """From behind, contact time is the clip's typical stance placed about each midstance,
    not a measurement: the summary leaves it out, and so does the per-stride table."""
    rear = SimpleNamespace(
        view="rear", summary={"pelvic_drop_peak_deg": None},
        strides=[_stride(k, side, {"pelvic_drop_peak_deg": 3.5 + k, "contact_time_ms": 141.0})
                 for k, side in enumerate(("left", "right", "left"))])
    texts = _texts(stride_table(rear, paragraph_styles(), 500.0))
    assert not any("141" in t for t in texts)
    assert any(t.startswith("Not listed: contact time ms") for t in texts)
    assert "4.5" in texts


def test_a_view_that_summarises_everything_lists_everything():
    side = SimpleNamespace(
        view="side", summary={"contact_time_ms": None},
        strides=[_stride(0, "left", {"contact_time_ms": 254.0})])
    texts = _texts(stride_table(side, paragraph_styles(), 500.0))
    assert "254.0" in texts and not any(t.startswith("Not listed") for t in texts)
