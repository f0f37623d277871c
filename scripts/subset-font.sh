#!/usr/bin/env bash
# Rebuilds crates/certs/fonts/NotoSansSC-Subset.otf: Noto Sans CJK SC Regular (SIL OFL 1.1)
# cut down to ASCII, common punctuation and the 6 763 characters of GB 2312, so the
# binary embeds a few MB instead of 19 MB. Needs Debian's fonts-noto-cjk and fonttools.
set -euo pipefail
cd "$(dirname "$0")/.."
src=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
[ -f "$src" ] || apt-get install -y fonts-noto-cjk
python3 -m fontTools.subset --help >/dev/null 2>&1 || pip install fonttools
python3 - <<'PY' > /tmp/creditbank-chars.txt
chars = set(chr(c) for c in range(0x20, 0x7f))
chars |= set("，。、；：？！“”‘’（）《》【】—…·￥％＋－×÷＝")
for hi in range(0xB0, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for hi in range(0xA1, 0xAA):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
print("".join(sorted(chars)))
PY
# Face 2 of the collection is Simplified Chinese.
python3 -m fontTools.subset "$src" --font-number=2 --text-file=/tmp/creditbank-chars.txt \
  --output-file=crates/certs/fonts/NotoSansSC-Subset.otf --layout-features='*' --no-hinting --desubroutinize
ls -la crates/certs/fonts/NotoSansSC-Subset.otf
