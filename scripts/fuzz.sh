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
# Runs per target, each well inside 30 s in a debug build here (the rich-text decoder is
# the slowest: pulldown-cmark and ammonia unoptimised).
runs() {
  case "$1" in
    form_fields) echo "${FUZZ_RUNS:-400}" ;;
    certificate) echo "${FUZZ_RUNS:-2000}" ;;
    spreadsheet) echo "${FUZZ_RUNS:-4000}" ;;
    *) echo "${FUZZ_RUNS:-20000}" ;;
  esac
}
for t in $targets; do
  # A fresh corpus, a fixed seed and a bounded number of runs: the same inputs on every
  # machine, so a run that passed here passes in CI (max_total_time caps slow machines).
  corpus=$(mktemp -d)
  mkdir -p "regressions/$t"
  echo "fuzz: $t ($(runs "$t") runs, at most ${seconds}s)"
  cargo +nightly fuzz run --dev "$t" "$corpus" "seeds/$t" "regressions/$t" -- \
    -seed=20261201 -runs="$(runs "$t")" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 2>&1 \
    | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|thread .* panicked|Done)" || true
  # cargo fuzz exits non-zero on a crash; check it apart from the grep above.
  if [ -n "$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \) 2>/dev/null)" ]; then
    echo "fuzz: $t found an input that fails: see fuzz/artifacts/$t/"
    exit 1
  fi
done
