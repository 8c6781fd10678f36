#!/usr/bin/env python3
"""PyTorch's training speed for the nets of `DistributedSolver.Benchmarks device`, on a CUDA GPU.

The same work as the .NET benchmark: batch 64, a constant batch (DummyData: 0.5 everywhere,
label 3) copied from ordinary host memory to the device every iteration, as the .NET data layer
uploads its tops, SGD with momentum 0.9 and weight decay 5e-4 at lr 0.01, softmax cross-entropy,
float32 throughout, and the loss read back every iteration, as the .NET trainer does. TF32 is off for
matmuls and convolutions, since cuBLAS runs the .NET side in plain FP32. Prints the samples/s of
each round and a last line `samples_per_sec N`, the median. `--device cpu` runs it without a GPU
(a dry run of bench/gpu/on-device.sh).
"""
import argparse
import statistics
import sys
import time

import torch
from torch import nn

BATCH = 64


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 512), nn.ReLU(),
        nn.Linear(512, 512), nn.ReLU(),
        nn.Linear(512, 10))


def lenet():
    # Caffe's LeNet: conv 20 5x5, max pool 2, conv 50 5x5, max pool 2, ip 500, relu, ip 10.
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(800, 500), nn.ReLU(),
        nn.Linear(500, 10))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["mlp", "lenet"])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cuda:0")
    args = parser.parse_args()
    if args.iterations < 1 or args.rounds < 1:
        parser.error("iterations and rounds must be at least 1")
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        print("pytorch_reference.py: no CUDA device", file=sys.stderr)
        return 1
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    net = (mlp() if args.model == "mlp" else lenet()).to(device)
    host_data = torch.full((BATCH, 1, 28, 28), 0.5)
    host_label = torch.full((BATCH,), 3, dtype=torch.long)
    data = torch.empty_like(host_data, device=device)
    label = torch.empty_like(host_label, device=device)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()

    def train(iterations):
        for _ in range(iterations):
            data.copy_(host_data)
            label.copy_(host_label)
            optimizer.zero_grad(set_to_none=False)
            loss = loss_fn(net(data), label)
            loss.backward()
            optimizer.step()
            loss.item()

    def synchronize():
        if cuda:
            torch.cuda.synchronize(device)

    name = torch.cuda.get_device_name(device) if cuda else "CPU"
    print(f"{args.model}, batch {BATCH}, on {name}, torch {torch.__version__}, "
          f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
    train(20)  # warm-up: cuDNN's algorithm choice, allocator, lazy module set-up
    synchronize()
    rates = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        train(args.iterations)
        synchronize()
        rates.append(args.iterations * BATCH / (time.perf_counter() - start))
    rates.sort()
    print(f"samples/s over {args.rounds} rounds of {args.iterations} iterations: " + ", ".join(f"{r:.0f}" for r in rates))
    print(f"samples_per_sec {rates[len(rates) // 2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
