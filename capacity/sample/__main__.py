"""Regenerate the bundled sample: ``python -m capacity.sample [DATA_DIR] [--seed N]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from capacity.sample.files import DEFAULT_SEED, write_sample


def main(argv: list[str] | None = None) -> None:
    """Write ``DATA_DIR/alleroed/`` and ``DATA_DIR/alleroed.gpkg`` (default ``data``)."""
    parser = argparse.ArgumentParser(prog="python -m capacity.sample", description=__doc__)
    parser.add_argument("root", nargs="?", type=Path, default=Path("data"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for path in write_sample(args.root, args.seed):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
