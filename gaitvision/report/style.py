"""Colours, fonts and number formatting shared by the video, charts and PDF.

Colours are the Okabe-Ito palette (Okabe & Ito 2008), distinguishable with the common
colour-vision deficiencies. Left is always blue and right always vermillion, in the
video, the charts and the PDF.

:func:`fmt_value` is the one place where a metric value becomes text: the PDF prints
each value exactly as ``metrics.json`` holds it (``repr`` of the JSON number), so a
reader can find every printed number in the data file.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

# Okabe-Ito, as RGB 0-255.
BLACK = (0, 0, 0)
ORANGE = (230, 159, 0)
SKY = (86, 180, 233)
GREEN = (0, 158, 115)
YELLOW = (240, 228, 66)
BLUE = (0, 114, 178)
VERMILLION = (213, 94, 0)
PURPLE = (204, 121, 167)
WHITE = (255, 255, 255)
GREY = (150, 150, 150)

SIDE_RGB = {"left": BLUE, "right": VERMILLION}
#: Lighter versions for drawing on dark video (blue on dark footage is hard to see).
SIDE_RGB_VIDEO = {"left": (86, 180, 233), "right": (230, 120, 40)}
EVENT_RGB = {"IC": GREEN, "TO": PURPLE}
CENTRE_RGB = (235, 235, 235)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """``(0, 114, 178)`` -> ``"#0072b2"``."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


SIDE_HEX = {k: hex_colour(v) for k, v in SIDE_RGB.items()}
EVENT_HEX = {k: hex_colour(v) for k, v in EVENT_RGB.items()}
REFERENCE_HEX = "#009e73"  # bluish green band for reference ranges


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans shipped with matplotlib (has the degree sign; no system font needed)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


# --------------------------------------------------------------------------- units
UNIT_TEXT = {
    "deg": "°", "ms": "ms", "spm": "steps/min", "%": "%", "pct": "%", "cm": "cm",
    "leg_lengths": "leg lengths", "shoulder_widths": "shoulder widths", "s": "s",
}


def unit_text(unit: str | None) -> str:
    """Human unit label (``"deg"`` -> ``"°"``)."""
    if not unit:
        return ""
    return UNIT_TEXT.get(unit, unit)


def fmt_value(v) -> str:
    """A metric value as text, exactly as ``metrics.json`` writes it.

    JSON numbers load as Python ``int``/``float``; ``repr`` of a float is the shortest
    text that reads back as the same number, which is what :func:`json.dumps` writes.
    Missing values (``None``/NaN) print as an en dash.
    """
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return "–"
    return repr(v)


def fmt_sd(sd, unit: str | None) -> str:
    """A standard deviation as text, as ``metrics.json`` holds it (rounded to the unit's
    decimals), except that an SD that rounds to zero prints as ``"< 0.1"`` (the unit's
    last decimal): the strides did differ, by less than the printed resolution (a
    perfectly periodic rendered runner), and a bare "± 0" would read as one value
    copied to every stride."""
    text = fmt_value(sd)
    if text == "–" or float(sd) != 0.0:
        return text
    from gaitvision.kinematics.reference import UNIT_DECIMALS

    return f"< {10.0 ** -UNIT_DECIMALS.get(unit or '', 2):g}"


def fmt_with_unit(v, unit: str | None) -> str:
    """``fmt_value`` plus a unit (``"21.3°"``, ``"248.0 ms"``)."""
    text = fmt_value(v)
    u = unit_text(unit)
    if text == "–" or not u:
        return text
    return f"{text}{u}" if u in ("°", "%") else f"{text} {u}"


def fmt_live(v: float | None, unit: str | None = None, decimals: int = 0) -> str:
    """Short value for the video overlay (rounded for reading at a glance)."""
    if v is None or not math.isfinite(float(v)):
        return "–"
    text = f"{float(v):.{decimals}f}"
    u = unit_text(unit)
    if not u:
        return text
    return f"{text}{u}" if u in ("°", "%") else f"{text} {u}"
