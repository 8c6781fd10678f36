#!/usr/bin/env bash
# Builds what the GPU machine runs: the benchmarks as a self-contained linux-x64 app (that
# machine has no .NET), packed with this folder's scripts into bench/gpu/dist/gpu-bench.tar.xz,
# small enough for the device tool's carry (64 MiB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dist="$here/dist"
rm -rf "$dist"
mkdir -p "$dist/gpu-bench"
dotnet publish "$root/bench/DistributedSolver.Benchmarks" -c Release -r linux-x64 --self-contained \
  -p:InvariantGlobalization=true -o "$dist/gpu-bench/app" --nologo -v quiet
cp "$here/pytorch_reference.py" "$here/on-device.sh" "$dist/gpu-bench/"
tar -C "$dist" -cJf "$dist/gpu-bench.tar.xz.tmp" gpu-bench
mv "$dist/gpu-bench.tar.xz.tmp" "$dist/gpu-bench.tar.xz"
rm -rf "$dist/gpu-bench"
size=$(stat -c %s "$dist/gpu-bench.tar.xz")
echo "bench/gpu/dist/gpu-bench.tar.xz: $((size / 1024 / 1024)) MiB"
if (( size > 64 * 1024 * 1024 )); then
  echo "publish.sh: the archive is over the device tool's 64 MiB carry" >&2
  exit 1
fi
