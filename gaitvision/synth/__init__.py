"""Synthetic treadmill-running clips with exact ground truth.

- :mod:`gaitvision.synth.kinematics`: the parametric running model (pure numpy).
- :mod:`gaitvision.synth.truth`: the truth JSON measured on the generated joint centres.
- :mod:`gaitvision.synth.camera`: pinhole cameras (side, rear; landscape, portrait).
- :mod:`gaitvision.synth.body`, :mod:`gaitvision.synth.render`: the Anny body and the
  offscreen EGL renderer (optional extra ``[synth]``: torch, anny, pyrender).

Generate: ``python -m gaitvision.synth --seed 7 --out sample_videos`` (see
sample_videos/README.md). Importing this package needs numpy only.
"""
