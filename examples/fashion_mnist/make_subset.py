#!/usr/bin/env python3
"""Cut the shipped Fashion-MNIST subset out of the full dataset.

Usage: make_subset.py [SOURCE_DIR]   (default /usr/share/datasets/fashion-mnist)

Writes the first 6000 training and first 1000 test samples, as gzip IDX files with the
upstream names, into fashion-mnist/ next to this script. mtime=0 keeps the gzip bytes
identical from run to run, so regenerating does not churn the repository.
"""
import gzip
import os
import struct
import sys

SUBSETS = {"train": 6000, "t10k": 1000}
IMAGE_MAGIC, LABEL_MAGIC = 0x803, 0x801


def read_idx(path, magic, header_ints):
    with gzip.open(path, "rb") as f:
        data = f.read()
    fields = struct.unpack(">%dI" % header_ints, data[: 4 * header_ints])
    if fields[0] != magic:
        sys.exit("%s: magic 0x%08x, expected 0x%08x" % (path, fields[0], magic))
    return fields[1:], data[4 * header_ints :]


def write_idx(path, magic, dims, payload):
    header = struct.pack(">%dI" % (1 + len(dims)), magic, *dims)
    with open(path, "wb") as f:
        f.write(gzip.compress(header + payload, mtime=0))


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    dst = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist")
    os.makedirs(dst, exist_ok=True)
    for prefix, n in SUBSETS.items():
        images = prefix + "-images-idx3-ubyte.gz"
        labels = prefix + "-labels-idx1-ubyte.gz"
        (count, rows, cols), pixels = read_idx(os.path.join(src, images), IMAGE_MAGIC, 4)
        (label_count,), label_bytes = read_idx(os.path.join(src, labels), LABEL_MAGIC, 2)
        if count < n or label_count < n:
            sys.exit("%s: only %d images / %d labels, need %d" % (src, count, label_count, n))
        write_idx(os.path.join(dst, images), IMAGE_MAGIC, (n, rows, cols), pixels[: n * rows * cols])
        write_idx(os.path.join(dst, labels), LABEL_MAGIC, (n,), label_bytes[:n])


if __name__ == "__main__":
    main()
