#!/usr/bin/env bash
# Rebuilds crates/certs/fonts/NotoSansCJKsc-Regular.otf: the Simplified Chinese face of
# Noto Sans CJK Regular (SIL OFL 1.1) taken whole out of Debian's collection, so every
# character an ID card can carry (镕, 喆, 堃, 𠮷 …) prints; krilla embeds only the glyphs a
# document uses. Needs Debian's fonts-noto-cjk and fonttools.
set -euo pipefail
cd "$(dirname "$0")/.."
src=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
[ -f "$src" ] || apt-get install -y fonts-noto-cjk
python3 -c "import fontTools" 2>/dev/null || pip install fonttools
python3 - "$src" <<'PY'
import sys
from fontTools.ttLib import TTCollection
# Face 2 of the collection is Simplified Chinese.
TTCollection(sys.argv[1]).fonts[2].save("crates/certs/fonts/NotoSansCJKsc-Regular.otf")
PY
ls -la crates/certs/fonts/NotoSansCJKsc-Regular.otf
