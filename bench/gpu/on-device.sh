#!/usr/bin/env bash
# On the GPU machine (CUDA driver and PyTorch, no .NET), from the repository root:
#   bash bench/gpu/on-device.sh bench/gpu/dist/gpu-bench.tar.xz [iterations]
# Trains the MLP and LeNet with the ILGPU backend on gpu:0 and with PyTorch, same batch, and
# prints each samples/s and the ratio (goal: ILGPU >= 0.8x PyTorch). DEVICE=cpu makes a dry run
# of the script on a machine without a GPU.
set -euo pipefail
device=${DEVICE:-gpu:0}
archive=${1:?usage: on-device.sh ARCHIVE [iterations]}
iterations=${2:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xJf "$archive"
app="$work/gpu-bench/app/DistributedSolver.Benchmarks"
reference="$work/gpu-bench/pytorch_reference.py"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

# PyTorch's wheels bring cuBLAS in site-packages, off the loader's path: without it the .NET side
# would fall back to its tiled GEMM kernel (its start-up line says which GEMM it uses).
# CUDA 12 wheels keep it in nvidia/cublas/lib, CUDA 13 wheels in nvidia/cu13/lib.
cublas=$(python3 - <<'PY' 2>/dev/null || true
import glob, os, site
dirs = site.getsitepackages() + [site.getusersitepackages()]
hits = [h for d in dirs for h in glob.glob(os.path.join(d, "nvidia", "**", "libcublas.so.1[23]"), recursive=True)]
print(os.path.dirname(sorted(hits)[-1]) if hits else "")
PY
)
if [[ -n "$cublas" ]]; then
  export LD_LIBRARY_PATH="$cublas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
case "$device" in
  gpu) torch_device=cuda:0 ;;
  gpu:*) torch_device="cuda:${device#gpu:}" ;;
  *) torch_device=cpu ;;
esac

rate() { awk '/^samples_per_sec / { print $2 }' "$1"; }

for model in mlp lenet; do
  "$app" device "$model" "$device" "$iterations" | tee "$work/$model.dotnet"
  if [[ "$device" == gpu* ]] && ! head -1 "$work/$model.dotnet" | grep -q cuBLAS; then
    echo "on-device.sh: the .NET side is not using cuBLAS (see its first line): the ratio would compare another GEMM" >&2
    exit 1
  fi
  python3 "$reference" "$model" --iterations "$iterations" --device "$torch_device" | tee "$work/$model.torch"
  ours=$(rate "$work/$model.dotnet")
  theirs=$(rate "$work/$model.torch")
  awk -v m="$model" -v a="$ours" -v b="$theirs" \
    'BEGIN { printf "%s: ILGPU %.0f samples/s, PyTorch %.0f samples/s, ratio %.2f (goal >= 0.80)\n", m, a, b, a / b }'
done
