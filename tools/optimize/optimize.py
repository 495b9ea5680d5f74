#!/usr/bin/python3
"""Entry of `tensord optimize` (the tensord binary execs this with --helper-bin and
--bench-bin). Run directly for development:

    /usr/bin/python3 tools/optimize/optimize.py --helper-bin build/release/tools/optimize/\
tensord-optimize-helper --bench-bin build/release/tools/bench/tensord-bench \\
        --model-repository models -m mlp --samples samples.npy
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tensord_optimize.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
