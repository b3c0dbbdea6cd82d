"""Benchmark of encryption at rest: not a test, a measurement.

Stores and reads back a 100 KB PDF-sized file through the private storage (encrypted:
`layanan.core.storage.PrivateFileSystemStorage`) and through Django's plain
`FileSystemStorage`, in the same run on the same disk, and prints the median time of each
and their ratio; the signing of a letter stores one such PDF. Each store is a new file (as
every issued letter is), read back whole as the download view reads it.

    .venv/bin/python bench/bench_files.py [--runs 200] [--size 102400]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"

import django

django.setup()

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage

from layanan.core.storage import PrivateFileSystemStorage


def _round_trip(storage: Storage, content: bytes, index: int) -> float:
    started = time.perf_counter()
    name = storage.save(f"surat/2026/11/{index:05d}.pdf", ContentFile(content))
    with storage.open(name, "rb") as handle:
        read = handle.read()
    elapsed = time.perf_counter() - started
    if read != content:
        raise SystemExit("the file did not read back as stored")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--size", type=int, default=100 * 1024)
    args = parser.parse_args()

    content = b"%PDF-1.7\n" + os.urandom(args.size - 9)
    root = Path(tempfile.mkdtemp(prefix="ldm-bench-files-"))
    try:
        storages = {
            "plain": FileSystemStorage(location=root / "plain"),
            "encrypted": PrivateFileSystemStorage(location=root / "encrypted"),
        }
        times: dict[str, list[float]] = {kind: [] for kind in storages}
        for storage in storages.values():  # warm up: folders, the keyring, imports
            _round_trip(storage, content, 99_999)
        for index in range(args.runs):  # interleaved: both see the same machine load
            for kind, storage in storages.items():
                times[kind].append(_round_trip(storage, content, index))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    medians = {kind: statistics.median(values) for kind, values in times.items()}
    for kind, median in medians.items():
        print(f"{kind:>9}: store + read {args.size // 1024} KB, median {median * 1000:.3f} ms")
    print(f"    ratio: {medians['encrypted'] / medians['plain']:.2f} (encrypted / plain)")
    print(f"overhead: {(medians['encrypted'] - medians['plain']) * 1000:.3f} ms per file")


if __name__ == "__main__":
    main()
