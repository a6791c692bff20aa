"""Report stage: annotated videos, key frames, charts and the PDF form report.

Entry points for the pipeline:

- :func:`render_view` - one view's videos (annotated, slow motion, stride loops), key
  frames and charts, from a saved or fresh analysis, decoding the clip once;
- :func:`render_pdf` - the combined PDF of one or more views;
- :func:`write_readme` - ``README.txt`` of the result folder.
"""

from gaitvision.report.exports import ManifestEntry, write_readme
from gaitvision.report.pdf import render_pdf
from gaitvision.report.view import render_view

__all__ = ["ManifestEntry", "render_pdf", "render_view", "write_readme"]
