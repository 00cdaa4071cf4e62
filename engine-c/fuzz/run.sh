#!/usr/bin/env bash
# Build the model/LoRA loader fuzzer with libFuzzer + ASan + UBSan and run it for a bounded time.
#
#   bash engine-c/fuzz/run.sh                 # fuzz for FUZZ_SECONDS (default 120) seconds
#   FUZZ_SECONDS=600 bash engine-c/fuzz/run.sh
#   bash engine-c/fuzz/run.sh crash-1234abcd  # replay reproducer files instead of fuzzing
#   bash engine-c/fuzz/run.sh --coverage      # line coverage of the engine by the corpus so far
#
# The corpus grows in engine-c/build/fuzz/corpus (kept between runs), seeds come from
# fuzz/make-seeds.ts into engine-c/build/fuzz/seeds, crash reproducers land in
# engine-c/build/fuzz/artifacts/. Exits non-zero if the fuzzer found a crash, leak or timeout.
# Needs clang with libFuzzer (Debian: clang-14); --coverage also needs llvm-profdata and llvm-cov.
set -euo pipefail
# Reproducer paths are taken relative to where the script was started, before the cd below.
args=()
for a in "$@"; do
    if [ -e "$a" ]; then args+=("$(realpath "$a")"); else args+=("$a"); fi
done
set -- "${args[@]+"${args[@]}"}"
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-120}"
out=build/fuzz
mkdir -p "$out/corpus" "$out/seeds" "$out/artifacts"

# One run at a time: two fuzzers sharing the corpus and the log would clobber each other.
exec 9>"$out/.lock"
if ! flock -n 9; then
    echo "fuzz: another run.sh holds $out/.lock; waiting for it" >&2
    flock 9
fi

# Every engine source except the CLI: the harness supplies its own main (libFuzzer's).
mapfile -t sources < <(ls src/*.c | grep -v '/main\.c$')
cflags=(-std=c11 -Wall -Wextra -Werror -pthread -fno-omit-frame-pointer)

if [ "${1:-}" = "--coverage" ]; then
    # Replay the corpus once through a coverage build; report lines covered per engine file.
    clang -O1 -g "${cflags[@]}" -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
        -o "$out/fuzz_loader_cov" fuzz/fuzz_loader.c "${sources[@]}" -lm
    rm -f "$out"/cov-*.profraw
    LLVM_PROFILE_FILE="$out/cov-%p.profraw" "$out/fuzz_loader_cov" -runs=0 \
        "$out/corpus" "$out/seeds" >"$out/coverage-run.log" 2>&1
    llvm-profdata merge -sparse "$out"/cov-*.profraw -o "$out/cov.profdata"
    llvm-cov report "$out/fuzz_loader_cov" -instr-profile="$out/cov.profdata" "${sources[@]}"
    exit 0
fi

# UBSan must abort, not print and carry on, or libFuzzer never sees the bug.
clang ${FUZZ_CFLAGS:--O1 -g -march=native} "${cflags[@]}" \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -o "$out/fuzz_loader" fuzz/fuzz_loader.c "${sources[@]}" -lm

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if [ $# -gt 0 ]; then # replay the given files once each
    exec "$out/fuzz_loader" "$@"
fi

if ! npx --no-install tsx fuzz/make-seeds.ts "$out/seeds"; then
    echo "fuzz: make-seeds.ts failed; fuzzing from the existing corpus only" >&2
fi

log="$out/last-run.log"
start=$SECONDS
set +e
"$out/fuzz_loader" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=4096 -artifact_prefix="$out/artifacts/" "$out/corpus" "$out/seeds" \
    >"$log" 2>&1
status=$?
set -e

# libFuzzer's last status line ("#N DONE cov: C ft: F corp: K/…") and its final stats
last=$(grep -a -E '^#[0-9]+' "$log" | tail -n 1 || true)
final_stat() { { grep -a "^stat::$1:" "$log" || true; } | tail -n 1 | sed 's/.*: *//'; }
runs=$(final_stat number_of_executed_units)
rate=$(final_stat average_exec_per_sec)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
took=$({ grep -a -E '^Done [0-9]+ runs in [0-9]+ second' "$log" || true; } | tail -n 1 | sed 's/.* in \([0-9]*\) second.*/\1/')
took=${took:-$((SECONDS - start))}
if [ "$status" -ne 0 ]; then
    grep -a -E 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:|SUMMARY:|Test unit written' \
        "$log" | head -n 20 >&2 || true
fi
echo "fuzz: ${runs:-?} runs in ${took:-?} s (${rate:-?} exec/s), coverage ${cov:-?} edges," \
    "${ft:-?} features, corpus ${corp:-?} inputs, exit ${status} (full log: engine-c/$log)"
exit "$status"
