#!/usr/bin/env bash
# A non-editable install works away from the checkout: fresh venv, `pip install .`,
# empty pose cache, then the README's main job from another directory.
# Usage: tools/check_wheel_install.sh [WORKDIR]   (about 4 minutes on 2 cores)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$repo"
mkdir -p "$work/cache"
cd "$work"
GAITVISION_CACHE="$work/cache" "$work/venv/bin/gaitvision" --quiet analyze \
    "$repo/sample_videos/synthetic_side_60fps.mp4" --out "$work/out"
test -f "$work/out/side/metrics.json" && test -f "$work/out/report.pdf"
echo "wheel install OK: $work/out"
