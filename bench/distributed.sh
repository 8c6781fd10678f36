#!/usr/bin/env bash
# Distributed throughput of the quick-start MLP: samples/s of `dsolver train` and of
# `dsolver launch --workers 1|2` at global batches 64 (2 units of 32) and 256 (4 units of 64),
# measured alternately in one script run (the machine is shared and noisy), and the ratio of each
# launch run to the train run beside it; one worker is also run with a single gradient bucket
# (--bucket-kb 0), to see what overlapping buckets with backward gives. Also prints the iteration
# split the worker and the parameter server log. Usage: bench/distributed.sh [ROUNDS] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
iterations=${2:-600}
dotnet build -c Release src/DistributedSolver.Cli -v q -nologo >/dev/null
dsolver="dotnet $PWD/src/DistributedSolver.Cli/bin/Release/net10.0/dsolver.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A solver for global batch $1 cut into $2 units, writing under $work/$3.
solver() {
  local batch=$(( $1 / $2 ))
  sed -e "s#source: \"fashion-mnist/#source: \"$PWD/examples/fashion_mnist/fashion-mnist/#" \
      -e "0,/batch_size: 64/s//batch_size: $batch/" examples/fashion_mnist/mlp_train_test.prototxt > "$work/net_$1.prototxt"
  cat > "$work/$3.prototxt" <<SOLVER
net: "$work/net_$1.prototxt"
base_lr: 0.01 momentum: 0.9 weight_decay: 0.0005 lr_policy: "fixed"
display: 200 average_loss: 20 max_iter: $iterations iter_size: $2 random_seed: 1701
snapshot_prefix: "$work/$3" snapshot_after_train: false
SOLVER
  echo "$work/$3.prototxt"
}

# The samples/s of the last display line (the first display interval includes start-up).
rate() { grep -o '[0-9.]* samples/s' "$1" | tail -1 | cut -d' ' -f1; }

for global in 64 256; do
  units=$(( global == 64 ? 2 : 4 ))
  for r in $(seq 1 "$rounds"); do
    $dsolver train --solver "$(solver $global $units train)" --threads 2 > "$work/train.log" 2>&1
    t=$(rate "$work/train.log")
    $dsolver launch --workers 1 --threads 2 --solver "$(solver $global $units one)" > "$work/one.log" 2>&1
    one=$(rate "$work/one.log")
    $dsolver launch --workers 1 --threads 2 --bucket-kb 0 --solver "$(solver $global $units whole)" > "$work/whole.log" 2>&1
    whole=$(rate "$work/whole.log")
    $dsolver launch --workers 2 --threads 1 --solver "$(solver $global $units two)" > "$work/two.log" 2>&1
    two=$(rate "$work/two.log")
    awk -v g="$global" -v r="$r" -v t="$t" -v a="$one" -v w="$whole" -v b="$two" 'BEGIN {
      printf "global batch %3d round %d: train %6.0f samples/s | launch 1 worker %6.0f (%.2fx; one bucket %6.0f, %.2fx) | launch 2 workers %6.0f (%.2fx)\n", g, r, t, a, a / t, w, w / t, b, b / t }'
  done
  echo "  split, launch 2 workers, last display (worker, parameter server):"
  grep -h "Worker worker-1 at\|Parameter server at" "$work/two.log" | tail -2 | sed -e 's/.*\] \(Worker\|Parameter\)/    \1/'
done
