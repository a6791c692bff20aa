#!/usr/bin/env bash
# Make .venv-synth, the environment of the synthetic-clip generator (gaitvision.synth).
#
# It is separate from the main venv: torch 2.13 and anny come with numpy 2, while the
# core pins numpy<2 for mediapipe. The committed clips need none of this.
# pyrender is installed without its dependencies: its pins (networkx==2.2,
# PyOpenGL==3.1.0) conflict with torch 2.13 and with EGL rendering; it runs with the
# newer ones listed below.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ldconfig -p | grep -q libEGL_mesa; then
    echo "Mesa EGL missing: apt-get update && apt-get install -y libegl-mesa0 libgl1-mesa-dri" >&2
    exit 1
fi
python3 -m venv .venv-synth
. .venv-synth/bin/activate
pip install torch==2.13.0            # the CPU build; never an unpinned torch
pip install anny trimesh "PyOpenGL>=3.1.7" "pyglet>=1.4.10,<2" freetype-py imageio \
    scipy networkx "av>=12" pillow six
pip install --no-deps pyrender==0.1.45
echo "ready: PYTHONPATH=. .venv-synth/bin/python -m gaitvision.synth --seed 7 --out sample_videos"
