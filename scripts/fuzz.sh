#!/usr/bin/env bash
# Runs the coverage-guided fuzz targets of fuzz/ (cargo-fuzz, nightly) and records each run.
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]   run each TARGET (default: all) for N seconds (60)
#   scripts/fuzz.sh --summary                   total hours and executions per target
#   scripts/fuzz.sh --list                      the targets
#
# Each run starts from fuzz/corpus/<target> (not in git; created from the committed
# fuzz/corpus-seeds/<target> and fuzz/regressions/<target>) and keeps what libFuzzer adds there.
# One line per run is appended to fuzz/hours.tsv (committed): date, target, seconds,
# executions, result (ok/crash), git commit. A crash or hang stops the script with a non-zero
# status and prints the path of the crashing input (under fuzz/artifacts/<target>/); turn it into
# a regression by fixing the library and copying the file to fuzz/regressions/<target>/.
#
# Cargo runs under `flock /tmp/rmq-cargo.lock` when flock exists (machines shared by builds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hours_file=fuzz/hours.tsv
seconds=60
targets=()

all_targets() {
  # The [[bin]] names of fuzz/Cargo.toml.
  awk '/^\[/ { bin = ($0 == "[[bin]]") } bin && /^name = / { gsub(/"/, "", $3); print $3 }' \
    fuzz/Cargo.toml
}

summary() {
  if [ ! -s "$hours_file" ]; then
    echo "no runs recorded in $hours_file"
    return 0
  fi
  # Plain POSIX awk (Debian's mawk has no asorti): per-target sums, sorted by name, then total.
  printf '%-18s %6s %10s %16s %8s\n' target runs hours executions crashes
  awk -F'\t' '
    NR == 1 && $1 == "date" { next }
    {
      secs[$2] += $3; execs[$2] += $4; runs[$2]++
      if ($5 != "ok") bad[$2]++
    }
    END {
      for (t in secs) printf "%-18s %6d %10.3f %16d %8d\n", t, runs[t], secs[t] / 3600, execs[t], bad[t] + 0
    }' "$hours_file" | sort
  awk -F'\t' 'NR > 1 || $1 != "date" { s += $3; e += $4 }
    END { printf "%-18s %6s %10.3f %16d\n", "total", "", s / 3600, e }' "$hours_file"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds)
      seconds="${2:?--seconds needs a number}"
      shift 2
      ;;
    --seconds=*)
      seconds="${1#--seconds=}"
      shift
      ;;
    --summary)
      summary
      exit 0
      ;;
    --list)
      all_targets
      exit 0
      ;;
    -h | --help)
      sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "unknown option $1" >&2
      exit 2
      ;;
    *)
      targets+=("$1")
      shift
      ;;
  esac
done
case "$seconds" in
  '' | *[!0-9]*)
    echo "--seconds takes a whole number of seconds" >&2
    exit 2
    ;;
esac
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(all_targets)
fi
for t in "${targets[@]}"; do
  if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
    echo "unknown fuzz target $t (known: $(all_targets | tr '\n' ' '))" >&2
    exit 2
  fi
done

# Debug assertions (overflow checks included) on, so arithmetic a damaged input can overflow
# is found as in a debug build; `fuzz run` must get the same flags or it rebuilds.
build_flags=(--debug-assertions)

lock=()
if command -v flock >/dev/null; then lock=(flock /tmp/rmq-cargo.lock); fi

echo "== building fuzz targets (cargo +nightly fuzz build)"
# `cargo fuzz build` takes one target or none (all); build all at once when all are asked for.
if [ ${#targets[@]} -eq "$(all_targets | wc -l)" ]; then
  "${lock[@]}" cargo +nightly fuzz build "${build_flags[@]}"
else
  for t in "${targets[@]}"; do "${lock[@]}" cargo +nightly fuzz build "${build_flags[@]}" "$t"; done
fi

bin_dir="fuzz/target/$(rustc +nightly -vV | sed -n 's/^host: //p')/release"

[ -s "$hours_file" ] || printf 'date\ttarget\tseconds\texecutions\tresult\tcommit\n' >"$hours_file"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- src fuzz/src fuzz/fuzz_targets 2>/dev/null)" ]; then
  commit="$commit+dirty"
fi

status=0
for t in "${targets[@]}"; do
  corpus="fuzz/corpus/$t"
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  for seeds in "fuzz/corpus-seeds/$t" "fuzz/regressions/$t"; do
    if [ -d "$seeds" ]; then cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true; fi
  done
  log="fuzz/artifacts/$t/last-run.log"
  echo "== fuzzing $t for ${seconds}s (log: $log)"
  started=$(date +%s)
  set +e
  # The binary cargo-fuzz built, run directly (no cargo, so nothing to lock while it runs). One
  # in-process libFuzzer job (not -jobs=1, which would fork a worker that logs to a fuzz-0.log
  # of its own), so the final stats and any crash path are in $log.
  "$bin_dir/$t" -artifact_prefix="fuzz/artifacts/$t/" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(($(date +%s) - started))
  # libFuzzer's final stats: "stat::number_of_executed_units: N".
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  if [ -z "$execs" ]; then
    execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
  fi
  execs=${execs:-0}
  ran=$((elapsed < seconds ? elapsed : seconds))
  if [ $rc -eq 0 ]; then
    result=ok
    ran=$seconds
  else
    result=crash
    status=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$ran" "$execs" \
    "$result" "$commit" >>"$hours_file"
  echo "   $t: $result, $execs executions in ${ran}s"
  if [ $result != ok ]; then
    grep -E 'ERROR: libFuzzer|panicked at|SUMMARY|Test unit written to|ALARM' "$log" | head -n 20 >&2 || true
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "CRASH in fuzz target $t: input ${artifact:-(see $log)}" >&2
    echo "   reproduce: cargo +nightly fuzz run --debug-assertions $t ${artifact:-<input>}" >&2
  fi
done
exit $status
