#!/usr/bin/env bash
# Runs the kernel benchmarks and writes bench/RESULTS.md.
#
#   bench/run-kernels.sh                                  # full suite (~10 min on 2 cores)
#   FORKS=1 JMH_ARGS="-wi 1 -i 2" bench/run-kernels.sh    # quick look
#   ONLY=conv bench/run-kernels.sh                        # only the conv2d group; the other results are kept
#
# FORKS (default 2): forked JVMs per benchmark. JMH_ARGS: extra JMH options for every run (not -f: use FORKS).
# ONLY: comma-separated groups to run (gemm, tiny, bandwidth, nocore, conv; default all). The results of the groups
# not run stay as they are in bench/results/ (kernels.json is merged, not replaced), and RESULTS.md is made from all.
#
# Builds bench/target/benchmarks.jar first when it is missing or older than its sources or the installed Neurite API
# (the API must be installed: ./mvnw -B -q install -DskipTests from the repository root). The main runs use the
# environment as it is (OPENBLAS_CORETYPE included); then the 1024³ matmul runs again with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset.
#
# On a shared machine the load drifts within minutes, so benchmarks that are compared run as a group, one fork at a
# time, in ABBA order: fork 1 of each (direct, then Neurite), then fork 2 in reverse (Neurite, then direct), ... A
# drift then weighs on both sides alike instead of on whichever JMH happens to run last. The forks are merged back
# into one JMH result per benchmark. Raw JMH JSON and run-info.json go to bench/results/ (bench/report.py makes
# RESULTS.md again from them); the console logs go to bench/target/.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
jar=$bench/target/benchmarks.jar
results=$bench/results
java=${JAVA:-java}
forks=${FORKS:-2}
read -r -a extra <<< "${JMH_ARGS:-}"
shapes=(MM1024 MLP_FWD MLP_DW MLP_DX)
threads=(1 2)
conv_layers=(CONV1 CONV2)
conv_passes=(FWD DX DW)
only=${ONLY:-all}
want() { [[ $only == all || ",$only," == *",$1,"* ]]; }
for g in ${only//,/ }; do
  [[ $g =~ ^(all|gemm|tiny|bandwidth|nocore|conv)$ ]] || { echo "ONLY: unknown group '$g'" >&2; exit 2; }
done

stale() {
  [[ ! -f $jar ]] && return 0
  [[ -n $(find "$bench/src" "$bench/pom.xml" -newer "$jar" -print -quit) ]] && return 0
  [[ -d $HOME/.m2/repository/org/neurite ]] &&
    [[ -n $(find "$HOME/.m2/repository/org/neurite" -name '*.jar' -newer "$jar" -print -quit) ]] && return 0
  return 1
}

if stale; then
  echo "== building $jar" >&2
  (cd "$root" && { ./mvnw -o -B -q package -f bench/pom.xml || ./mvnw -B -q package -f bench/pom.xml; })
fi

cd "$root"
mkdir -p "$results" "$bench/target"
parts=$bench/target/parts
rm -rf "$parts"
mkdir -p "$parts/main" "$parts/nocore" "$parts/conv"
log=$bench/target/kernels${ONLY:+-${only//,/-}}.log
: > "$log"
n=0

# group DIR [env...] -- MEMBER... : each MEMBER is "regex|JMH args"; runs $forks rounds, every other one reversed.
group() {
  local dir=$1
  shift
  local pre=()
  while [[ $1 != -- ]]; do pre+=("$1"); shift; done
  shift
  local members=("$@") order round i
  for ((round = 1; round <= forks; round++)); do
    if ((round % 2)); then order=$(seq 0 $((${#members[@]} - 1))); else order=$(seq $((${#members[@]} - 1)) -1 0); fi
    for i in $order; do
      local regex=${members[$i]%%|*} args=()
      read -r -a args <<< "${members[$i]#*|}"
      n=$((n + 1))
      local cmd=("${pre[@]}" "$java" -jar bench/target/benchmarks.jar -prof org.neurite.bench.CpuTimeProfiler "$regex"
        "${args[@]}" -f 1 -rf json -rff "$parts/$dir/$n.json" "${extra[@]}")
      echo "== ${cmd[*]}" | tee -a "$log" >&2
      "${cmd[@]}" >> "$log" 2>&1 || { tail -40 "$log" >&2; exit 1; }
      grep -E '^(GemmBench|TinyOpBench|BandwidthBench|ConvBench)\S* ' "$log" | tail -2 >&2 || true
    done
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
date=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "== OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-<unset>} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-<unset>}, $forks forks" >&2

if want gemm; then
  for s in "${shapes[@]}"; do
    for t in "${threads[@]}"; do
      group main -- "GemmBench\.direct$|-p shape=$s -p threads=$t" "GemmBench\.neurite$|-p shape=$s -p threads=$t"
    done
  done
fi
if want tiny; then
  group main -- "TinyOpBench\.add2x2$|-p threads=1" "TinyOpBench\.add2x2$|-p threads=2" "TinyOpBench\.nativeQuery$|"
fi
if want bandwidth; then
  group main -- "BandwidthBench\.memcpy64M$|" "BandwidthBench\.add16M$|-p threads=1" \
    "BandwidthBench\.add16M$|-p threads=2" "BandwidthBench\.memcpy64MFreshDst$|"
fi
if want nocore; then
  for t in "${threads[@]}"; do
    group nocore env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -- "GemmBench\.direct$|-p shape=MM1024 -p threads=$t" \
      "GemmBench\.neurite$|-p shape=MM1024 -p threads=$t"
  done
fi
if want conv; then
  for l in "${conv_layers[@]}"; do
    for p in "${conv_passes[@]}"; do
      for t in "${threads[@]}"; do
        group conv -- "ConvBench\.direct$|-p layer=$l -p pass=$p -p threads=$t" \
          "ConvBench\.neurite$|-p layer=$l -p pass=$p -p threads=$t"
      done
    done
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# With ONLY set, --keep carries over the results already in the file that this run did not measure again.
keep=()
[[ $only != all ]] && keep=(--keep)
main_ran=false
if want gemm || want tiny || want bandwidth; then
  main_ran=true
  python3 "$bench/report.py" --merge "${keep[@]}" "$results/kernels.json" "$parts"/main/*.json
fi
want nocore && python3 "$bench/report.py" --merge "$results/matmul-no-coretype.json" "$parts"/nocore/*.json
want conv && python3 "$bench/report.py" --merge "$results/conv2d.json" "$parts"/conv/*.json

commands=(
  "${ONLY:+ONLY=$ONLY }bench/run-kernels.sh${FORKS:+        # FORKS=$FORKS}${JMH_ARGS:+        # JMH_ARGS=\"$JMH_ARGS\"}"
  "# which runs, from the repository root, with OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-} as set,"
  "# one JMH run per benchmark and fork ($forks forks, ABBA order within each group of compared benchmarks), e.g.:"
  "$java -jar bench/target/benchmarks.jar -prof org.neurite.bench.CpuTimeProfiler 'GemmBench\\.direct\$' -p shape=MM1024 -p threads=1 -f 1 -rf json -rff ... ${JMH_ARGS:-}"
  "$java -jar bench/target/benchmarks.jar -prof org.neurite.bench.CpuTimeProfiler 'GemmBench\\.neurite\$' -p shape=MM1024 -p threads=1 -f 1 -rf json -rff ... ${JMH_ARGS:-}"
  "# ... for every shape (${shapes[*]}) and threads (${threads[*]}), then TinyOpBench and BandwidthBench the same way;"
  "# then, for the 1024³ matmul, with env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE in front."
)
conv_commands=(
  "${ONLY:+ONLY=$ONLY }bench/run-kernels.sh${FORKS:+        # FORKS=$FORKS}${JMH_ARGS:+        # JMH_ARGS=\"$JMH_ARGS\"}"
  "# which runs, from the repository root, with OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-} as set,"
  "# one JMH run per benchmark and fork ($forks forks, ABBA order: direct, Neurite, Neurite, direct, ...), e.g.:"
  "$java -jar bench/target/benchmarks.jar -prof org.neurite.bench.CpuTimeProfiler 'ConvBench\\.direct\$' -p layer=CONV1 -p pass=FWD -p threads=1 -f 1 -rf json -rff ... ${JMH_ARGS:-}"
  "$java -jar bench/target/benchmarks.jar -prof org.neurite.bench.CpuTimeProfiler 'ConvBench\\.neurite\$' -p layer=CONV1 -p pass=FWD -p threads=1 -f 1 -rf json -rff ... ${JMH_ARGS:-}"
  "# ... for every layer (${conv_layers[*]}), pass (${conv_passes[*]}) and threads (${threads[*]})."
)
# run-info.json: the top-level keys describe the last run of the main groups, "conv" the last run of the conv group;
# each is replaced only when its groups ran.
conv_ran=false
want conv && conv_ran=true
python3 - "$results/run-info.json" "$main_ran" "$conv_ran" "$date" "${OPENBLAS_CORETYPE-(unset)}" \
  "${OPENBLAS_L2_SIZE-(unset)}" "$load_before" "$load_after" "${#commands[@]}" "${commands[@]}" "${conv_commands[@]}" <<'PY'
import json, os, sys
out, main_ran, conv_ran, date, coretype, l2, before, after, n, *rest = sys.argv[1:]
commands, conv_commands = rest[:int(n)], rest[int(n):]
info = {}
if os.path.exists(out):
    with open(out) as f:
        info = json.load(f)
run = {"date": date, "coretype": coretype, "l2": l2, "load_before": before, "load_after": after}
if main_ran == "true":
    info.update(run, commands=[c.rstrip() for c in commands])
if conv_ran == "true":
    info["conv"] = dict(run, commands=[c.rstrip() for c in conv_commands])
with open(out, "w") as f:
    json.dump(info, f, indent=1, ensure_ascii=False)
PY
python3 "$bench/report.py" "$results" --out "$bench/RESULTS.md"
echo "== wrote $bench/RESULTS.md" >&2
