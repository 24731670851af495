"""Benchmark: how often the one rule's 95 % intervals cover the true difference, old rule and new.

    python benchmarks/bench_stats_coverage.py            # about a minute
    python benchmarks/bench_stats_coverage.py --reps 1000 --bootstrap-reps 0   # seconds

Issue 25 changed :func:`lstm_tutorial.stats.compare`: Welch-Satterthwaite degrees of freedom
instead of the pooled ``n_a + n_b - 2``, a deterministic baseline as one number instead of
``[x] * n`` copies, paired seeds (``same_seeds=True``), and a test-sample term counted with
infinite degrees of freedom (Satterthwaite's generalisation). The simulated designs, the
old rule and the coverage count are the ones ``tests/test_stats.py`` asserts on (imported
from there, so the table and the test cannot drift apart); here with more designs.

Two tables:

1. **simulated experiments** (per-seed scores, and for the fixed-baseline designs one
   shared test sample of Bernoulli right/wrong per example): coverage and mean width of
   both rules. With ``--bootstrap-reps``, the fixed-baseline design (c) once more through
   ``compare()``'s own bootstrap over the examples (the other rows use the closed-form
   standard error the bootstrap estimates, to be fast);
2. **where Satterthwaite is weak**, in the normal model behind the rule: seeds' variance
   ``sigma^2 / k`` estimated on ``k - 1`` df plus a known test-sample variance
   ``r * sigma^2 / k``; the coverage of the old rule, of the new one, and of an
   alternative that was not adopted (each part's half-width with its own quantile, added
   in quadrature: ``sqrt((t_{k-1} se_seeds)^2 + (z se_sample)^2)``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import numpy as np  # noqa: E402


def simulated_table(reps: int, seed: int, bootstrap_reps: int) -> list[str]:
    import test_stats as T

    lines = ["| design | repeats | old rule: coverage | new rule: coverage | old: mean width | new: mean width |",
             "|---|---:|---:|---:|---:|---:|"]
    rows = [(case, min(reps, 2000) if case == "c-imdb" else reps, False) for case in T.COVERAGE_CASES]
    if bootstrap_reps:
        rows.insert(rows.index(("c", reps, False)) + 1, ("c", bootstrap_reps, True))
    for case, n, boot in rows:
        start = time.perf_counter()
        r = T.coverage(case, n, seed=seed, bootstrap=boot)
        label = f"({case}) {T.COVERAGE_CASES[case]}" + (", compare()'s bootstrap" if boot else "")
        lines.append(f"| {label} | {n:,} | {r['old']:.1%} | {r['new']:.1%} | {r['old_width']:.4f} | "
                     f"{r['new_width']:.4f} |")
        print(f"  {case}{' (bootstrap)' if boot else ''}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return lines


def satterthwaite_table(reps: int, seed: int) -> list[str]:
    from scipy.stats import norm, t

    rng = np.random.default_rng(seed)
    ratios = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 3.0, 10.0)
    lines = ["| seeds k | rule | " + " | ".join(f"r = {r:g}" for r in ratios) + " |",
             "|---:|---|" + "---:|" * len(ratios)]
    z = norm.ppf(0.975)
    for k in (2, 3, 5, 10):
        got = {"old (t on 2k - 2 df)": [], "new (Satterthwaite)": [], "quadrature (not adopted)": []}
        for ratio in ratios:
            tau2 = ratio / k                              # sigma^2 = 1
            s2 = rng.chisquare(k - 1, reps) / (k - 1)
            err = rng.normal(0, np.sqrt(1 / k + tau2), reps)
            v = s2 / k
            total = v + tau2
            dof = total ** 2 / (v ** 2 / (k - 1))
            halves = {"old (t on 2k - 2 df)": t.ppf(0.975, 2 * k - 2) * np.sqrt(total),
                      "new (Satterthwaite)": t.ppf(0.975, dof) * np.sqrt(total),
                      "quadrature (not adopted)": np.sqrt(t.ppf(0.975, k - 1) ** 2 * v + z ** 2 * tau2)}
            for name, half in halves.items():
                got[name].append(np.mean(np.abs(err) <= half))
        for name, cover in got.items():
            lines.append(f"| {k} | {name} | " + " | ".join(f"{c:.1%}" for c in cover) + " |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=4000, help="simulated experiments per design (table 1)")
    parser.add_argument("--bootstrap-reps", type=int, default=500,
                        help="repeats of design (c) through compare()'s bootstrap; 0 skips that row")
    parser.add_argument("--normal-reps", type=int, default=100_000, help="draws per cell of table 2")
    parser.add_argument("--seed", type=int, default=25)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(f"Coverage of the 95 % intervals of stats.compare (seed {args.seed}); 93-97 % is what "
          f"tests/test_stats.py asks of the new rule in designs (a), (b), (c).\n")
    print("1. Simulated experiments\n")
    print("\n".join(simulated_table(args.reps, args.seed, args.bootstrap_reps)))
    print("\n2. Normal model: seeds' variance on k - 1 df + a known test-sample variance, "
          "r = test-sample variance / seeds' variance of the mean\n")
    print("\n".join(satterthwaite_table(args.normal_reps, args.seed)))
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
