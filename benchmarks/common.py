"""Paths and small helpers shared by the benchmark modules."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
VENV_BIN = Path(sys.executable).parent
PYTHON = Path(sys.executable)
OXIGRAPH = VENV_BIN / "oxigraph"


def count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def free_port() -> int:
    """A free TCP port on the loopback interface (servers bind 127.0.0.1 only)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
