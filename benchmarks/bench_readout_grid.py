"""Run notebook 03's grid: readout x layer, the PyTorch article's set-up, stopwords; 3 seeds.

    python benchmarks/bench_readout_grid.py                 # the whole grid (~20 min, 2 CPU cores)
    python benchmarks/bench_readout_grid.py --fast          # a tiny budget, seconds (a smoke test)
    python benchmarks/bench_readout_grid.py --only grid/lstm  # runs whose key starts with this

Writes notebooks/data/readout_grid.json (atomically, after every run; an interrupted run
resumes where it stopped) and prints the table of mean +- std over seeds. Notebook 03
reads and plots that file. See lstm_tutorial/lab/readout_grid.py for what each run is.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="tiny budget (smoke test); writes to --out only if given")
    parser.add_argument("--out", type=Path, default=None, help="output JSON (default notebooks/data/readout_grid.json)")
    parser.add_argument("--only", default="", help="run only specs whose key starts with this")
    args = parser.parse_args(argv)

    from lstm_tutorial.lab import readout_grid as grid
    from lstm_tutorial.io import environment

    environment.quiet_tensorflow()
    budget = grid.FAST_BUDGET if args.fast else grid.GridBudget()
    out = args.out if args.out is not None else (None if args.fast else ROOT / "notebooks" / "data" / "readout_grid.json")
    specs = [s for s in grid.grid_specs(budget.seeds) if s.key.startswith(args.only)]
    print(f"{len(specs)} runs; budget {budget.to_dict()}; writing {out}", flush=True)
    t0 = time.perf_counter()
    payload = grid.run_grid(specs, budget, path=out)
    total = time.perf_counter() - t0
    if out is not None:
        payload = grid.load_results(out)
        payload["wall_seconds_last_invocation"] = round(total, 1)
        grid._write(out, payload)
    summary = grid.summarise(payload["runs"])
    print(f"\n{'cell':55} {'test accuracy':>18}  n  stopped early")
    for cell, s in sorted(summary.items()):
        runs = [r for r in payload["runs"] if r["cell"] == cell]
        early = sum(r["stopped_early"] for r in runs)
        print(f"{cell:55} {s['mean']:.3f} +- {s['std']:.3f}  {s['n']}  {early}/{len(runs)}")
    print(f"\n{total:.0f} s for this invocation ({os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
