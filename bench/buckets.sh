#!/usr/bin/env bash
# What gradient buckets give: samples/s of `dsolver train` (2 GEMM threads) and of `dsolver launch`
# with buckets of at least 1024 KiB (the default) and with one bucket (--bucket-kb 0), alternating
# in one script run (the machine is shared and noisy), with each launch's ratio to the train run
# beside it. The quick-start MLP at global batch 256 (4 units of 64), 600 iterations; the rate is
# the last display's. Then the split the worker and the parameter server logged, bucketed first.
# Usage: [WORKERS=1] [THREADS=2] [ROUNDS=4] bench/buckets.sh   (THREADS: GEMM threads per worker)
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${WORKERS:-1}
threads=${THREADS:-2}
dotnet build -c Release src/DistributedSolver.Cli -v q -nologo >/dev/null
dsolver="dotnet $PWD/src/DistributedSolver.Cli/bin/Release/net10.0/dsolver.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e "s#source: \"fashion-mnist/#source: \"$PWD/examples/fashion_mnist/fashion-mnist/#" examples/fashion_mnist/mlp_train_test.prototxt > "$work/net.prototxt"
for run in train buckets whole; do
  cat > "$work/$run.prototxt" <<SOLVER
net: "$work/net.prototxt"
base_lr: 0.01 momentum: 0.9 weight_decay: 0.0005 lr_policy: "fixed"
display: 200 average_loss: 20 max_iter: 600 iter_size: 4 random_seed: 1701
snapshot_prefix: "$work/$run" snapshot_after_train: false
SOLVER
done
rate() { grep -o '[0-9.]* samples/s' "$1" | tail -1 | cut -d' ' -f1; }
for r in $(seq 1 "${ROUNDS:-4}"); do
  $dsolver train --threads 2 --solver "$work/train.prototxt" > "$work/train.log" 2>&1
  $dsolver launch --workers "$workers" --threads "$threads" --solver "$work/buckets.prototxt" > "$work/buckets.log" 2>&1
  $dsolver launch --workers "$workers" --threads "$threads" --bucket-kb 0 --solver "$work/whole.prototxt" > "$work/whole.log" 2>&1
  awk -v r="$r" -v w="$workers" -v t="$(rate "$work/train.log")" -v a="$(rate "$work/buckets.log")" -v b="$(rate "$work/whole.log")" 'BEGIN {
    printf "round %d: train %6.0f samples/s | launch %d worker(s): buckets %6.0f (%.2fx), one bucket %6.0f (%.2fx)\n", r, t, w, a, a / t, b, b / t }'
done
grep -h "Worker worker-1 at iteration 400\|Parameter server at iteration 400" "$work/buckets.log" "$work/whole.log" | sed -e 's/.*\] /  /'
