"""User-facing errors.

Every error a user can cause (bad file, no runner, a walk instead of a run) is a
:class:`GaitVisionError` whose message is one line naming the problem and what to
do. The CLI prints it without a traceback and exits non-zero; the web app shows
the same text.
"""

from __future__ import annotations


class GaitVisionError(Exception):
    """A problem with the input that the user can fix; ``str(err)`` is one line."""

    exit_code = 2


class VideoError(GaitVisionError):
    """The file cannot be used as a video (missing, not a video, corrupt, too short)."""


class NoRunnerError(GaitVisionError):
    """No person could be followed through the clip."""


class NotRunningError(GaitVisionError):
    """The clip shows walking (or no gait at all), not a run."""


class ModelError(GaitVisionError):
    """A pose model is missing or does not match the registry."""


class SlowMotionError(NotRunningError):
    """The clip is a run played slower than real time (a slow-motion export)."""

    def __init__(self, message: str, factor: float) -> None:
        super().__init__(message)
        self.factor = factor
