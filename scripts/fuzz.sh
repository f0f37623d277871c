#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time (FUZZ_SECONDS, default 30) with nightly
# Rust. A crash fails the run; its input is left in fuzz/artifacts/<target>/ — fix the
# bug and copy the input to fuzz/regressions/<target>/, which `cargo test` replays.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-30}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/fuzz}"
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v creditbank-fuzz)
# Debug builds with the address sanitizer: a fraction of the release build's time, and
# fast enough for runs of seconds.
cargo +nightly fuzz build --dev
for t in $targets; do
  corpus="$CARGO_TARGET_DIR/corpus/$t"
  mkdir -p "$corpus" "regressions/$t"
  echo "fuzz: $t for ${seconds}s"
  cargo +nightly fuzz run --dev "$t" "$corpus" "seeds/$t" "regressions/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 2>&1 \
    | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|thread .* panicked|Done)" || true
  # cargo fuzz exits non-zero on a crash; check it apart from the grep above.
  if [ -n "$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \) 2>/dev/null)" ]; then
    echo "fuzz: $t found an input that fails: see fuzz/artifacts/$t/"
    exit 1
  fi
done
