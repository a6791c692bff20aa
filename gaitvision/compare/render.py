"""Compare outputs that are pictures: curve overlays and the side-by-side stride video."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gaitvision.compare import ViewComparison

FRAMES_PER_STRIDE = 100   #: output frames of one time-normalised stride (1 per % of the cycle)
PLAY_FPS = 25.0           #: so one stride lasts 4 s on screen, whatever its real duration
HEIGHT = 480
COLORS = {"a": "#0072b2", "b": "#d55e00"}  # Okabe-Ito blue / vermillion


def render_view(vc: ViewComparison, dir_a: Path, dir_b: Path, out: Path,
                labels: tuple[str, str]) -> None:
    """Charts and the side-by-side video of one view into ``out/<view>/``."""
    folder = out / vc.view
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    vc.charts = [str(p.relative_to(out)) for p in curve_charts(vc, folder / "charts", labels)]
    for side in ("left", "right"):
        la, lb = dir_a / f"loop_{side}.mp4", dir_b / f"loop_{side}.mp4"
        if la.is_file() and lb.is_file():
            side_by_side(la, lb, folder / "side_by_side.mp4", labels, side)
            vc.video = f"{vc.view}/side_by_side.mp4"
            break


def curve_charts(vc: ViewComparison, folder: Path, labels: tuple[str, str]) -> list[Path]:
    """One PNG per curve: left and right panels, A and B mean +/- SD over the cycle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for name, curve in vc.curves.items():
        sides = [s for s in ("left", "right") if s in curve["a"] and s in curve["b"]]
        if not sides:
            continue
        fig, axes = plt.subplots(1, len(sides), figsize=(3.6 * len(sides), 2.6), squeeze=False)
        for ax, side in zip(axes[0], sides):
            for key, label in (("a", labels[0]), ("b", labels[1])):
                _band(ax, curve[key][side], COLORS[key], label)
            ax.set_title(f"{side} stride", fontsize=9)
            ax.set_xlabel("% of stride (IC to IC)", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel(f"{name.replace('_deg', '').replace('_', ' ')} ({curve['unit']})",
                              fontsize=8)
        axes[0][0].legend(fontsize=7, loc="best")
        fig.tight_layout()
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def _band(ax, stats: dict, color: str, label: str) -> None:
    mean = np.array([np.nan if v is None else v for v in stats["mean"]], dtype=float)
    sd = np.array([np.nan if v is None else v for v in stats["sd"]], dtype=float)
    pct = np.linspace(0, 100, mean.size)
    ax.plot(pct, mean, color=color, lw=1.6, label=f"{label} (n={stats.get('n', '?')})")
    ax.fill_between(pct, mean - sd, mean + sd, color=color, alpha=0.2, lw=0)


def _loop_frames(path: Path) -> list[np.ndarray]:
    from gaitvision.video import iter_frames

    return [f.image for f in iter_frames(path, max_side=HEIGHT * 2)]


def _fit(img: np.ndarray, height: int) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    width = max(2, int(round(w * height / h)) // 2 * 2)
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)


def _label(img: np.ndarray, text: str, color: tuple[int, int, int]) -> None:
    import cv2

    cv2.rectangle(img, (0, 0), (img.shape[1], 26), (16, 36, 58), -1)
    cv2.putText(img, text, (8, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55, color, 1, cv2.LINE_AA)


def side_by_side(loop_a: Path, loop_b: Path, out: Path, labels: tuple[str, str],
                 side: str) -> Path:
    """A | B (``labels`` name them in the table and charts; the frames say A and B),
    each session's representative stride resampled to the same 100 steps of
    the cycle: both start at initial contact and end at the next one, so the same phase
    is on screen at the same moment whatever the two stride times are."""
    from gaitvision.report.encode import H264Writer

    fa, fb = _loop_frames(loop_a), _loop_frames(loop_b)
    if not fa or not fb:
        raise ValueError("empty stride loop")
    first = np.hstack([_fit(fa[0], HEIGHT), _fit(fb[0], HEIGHT)])
    with H264Writer(out, first.shape[1], first.shape[0], PLAY_FPS) as writer:
        for k in range(FRAMES_PER_STRIDE):
            phase = k / (FRAMES_PER_STRIDE - 1)
            ia = _fit(fa[int(round(phase * (len(fa) - 1)))], HEIGHT).copy()
            ib = _fit(fb[int(round(phase * (len(fb) - 1)))], HEIGHT).copy()
            pct = f"{phase * 100:3.0f} %"
            _label(ia, f"A  {side} {pct}", (86, 180, 233))
            _label(ib, f"B  {side} {pct}", (230, 159, 0))
            writer.write(np.hstack([ia, ib]))
    return out
