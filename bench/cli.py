"""A benchmark's command line and terminal: ``--quick`` and its own flags, ``main`` run on
uvloop, and the console every part of a benchmark prints to."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console

console = Console(highlight=False)
if not console.is_terminal:  # piped to a file: wide enough for the tables
    console = Console(highlight=False, width=150)


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a short run (smaller counts, shorter durations)")
    return p


def pick(quick: bool, full: Any, short: Any) -> Any:
    return short if quick else full


def run(main: Callable[[argparse.Namespace], Awaitable[None]], cli: argparse.ArgumentParser) -> None:
    """Parses the command line (``--quick`` and the benchmark's own flags) and runs ``main``
    on uvloop when it is installed (as uvicorn does for the services)."""
    args = cli.parse_args()
    runner: Any
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(main(args))
