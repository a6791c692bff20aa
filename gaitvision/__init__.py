"""gaitvision: running-form analysis from a phone video.

Stages (each a module, each result a dataclass that can be saved and reloaded)::

    video -> pose track -> gait events + metrics -> report

See :mod:`gaitvision.pipeline` for the one-call API.
"""

__version__ = "0.1.0"
