"""Benchmark: the forecasting protocol of notebook 05, baselines and models, over seeds.

    python benchmarks/bench_forecast.py --data taylor --write notebooks/data/forecast_taylor.json
    python benchmarks/bench_forecast.py --data jena   --write notebooks/data/forecast_jena.json  # needs the Jena CSV

With ``--data jena`` (the book's protocol: five days of hourly inputs, 24 h ahead, 14 features)
the windows are held in memory: several GB for the 420,000 rows, and hours of training on a
CPU. Tried here on a small file of the real layout only (this machine cannot fetch the record).

On one series, with the protocol of :mod:`lstm_tutorial.forecast` (chronological 50/25/25
split, normalisation fitted on the training rows, windows that never cross a split):

* the **baselines**, deterministic, on the test windows: persistence, the seasonal naive
  forecasts (one day; one week too on taylor), ridge regression on the flattened window
  (its penalty chosen on validation);
* each **model** of :data:`lstm_tutorial.forecast.MODEL_KINDS` (a dense network, LSTM(16),
  LSTM(32) with recurrent dropout, GRU(32), two stacked GRUs), once per seed: trained with
  early stopping on validation MAE, scored once on the test windows;
* the **verdict**: the best recurrent model (lowest mean test MAE) against the best
  baseline, with :func:`lstm_tutorial.stats.compare` (seed spread + paired bootstrap over
  test *days*; a deterministic baseline has no seed spread), as a difference in the
  series' unit and as a percentage of the baseline's MAE.

Nothing is chosen on the test windows. Prints a table; ``--write`` stores every figure as
JSON (notebook 05 reads ``notebooks/data/forecast_taylor.json``). On a CPU the figures are
the same from run to run (the seeds fix everything), so the committed file was made in two
processes side by side and joined, which gives what the single command gives::

    python benchmarks/bench_forecast.py --models dense lstm16 gru32 lstm32_dropout --write a.json
    python benchmarks/bench_forecast.py --models stacked_gru --write b.json
    python benchmarks/bench_forecast.py --merge a.json b.json --write notebooks/data/forecast_taylor.json

The committed run took about 50 minutes of compute on 2 busy CPU cores: the two stacked GRUs
with recurrent dropout about 22 minutes for three seeds, the other models about 27 together.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

RECURRENT = ("lstm16", "lstm32_dropout", "gru32", "stacked_gru")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=("taylor", "jena"), default="taylor")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=None, help="model kinds (default: all)")
    parser.add_argument("--epochs", type=int, default=20, help="at most this many epochs per model")
    parser.add_argument("--patience", type=int, default=4, help="early stopping on validation MAE")
    parser.add_argument("--write", default=None, metavar="JSON", help="store the figures here")
    parser.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                        help="do not train: join these files' models (same data, protocol and seeds) into --write")
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.write)

    import keras
    import tensorflow as tf

    from lstm_tutorial import forecast as F, stats
    from lstm_tutorial.errors import LstmTutorialError

    try:
        series = F.load_taylor() if args.data == "taylor" else F.load_jena()
    except LstmTutorialError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    protocol = F.TAYLOR if args.data == "taylor" else F.DLWP_JENA
    kinds = args.models or list(F.MODEL_KINDS)
    t_all = time.perf_counter()
    p = F.prepare(series, protocol)
    days = series.rows_per_day
    print(f"{series.name}: {len(series.values):,} rows; windows train/val/test "
          f"{len(p.y['train']):,}/{len(p.y['val']):,}/{len(p.y['test']):,}; protocol {protocol.to_dict()}")

    baselines = {}
    def add_baseline(name, test_forecast, val_forecast, **extra):
        baselines[name] = {"test_mae": F.mae(test_forecast, p.y["test"]), "val_mae": F.mae(val_forecast, p.y["val"]),
                           "test_days": F.daily_mean_errors(test_forecast, p.y["test"], days).tolist(), **extra}
    add_baseline("persistence", *(F.persistence(series, p.starts[s], protocol) for s in ("test", "val")))
    seasons = {"seasonal naive, 1 day": days}
    if args.data == "taylor":
        seasons["seasonal naive, 1 week"] = 7 * days
    for name, rows in seasons.items():
        add_baseline(name, *(F.seasonal_naive(series, p.starts[s], protocol, rows) for s in ("test", "val")),
                     season_rows=rows)
    t0 = time.perf_counter()
    ridge, alpha, _ = F.fit_ridge(p.x["train"], p.z["train"], p.x["val"], p.z["val"])
    flat = lambda x: x.reshape(len(x), -1)
    add_baseline("ridge", p.to_unit(ridge.predict(flat(p.x["test"]))), p.to_unit(ridge.predict(flat(p.x["val"]))),
                 alpha=alpha, seconds=time.perf_counter() - t0)
    for name, b in baselines.items():
        print(f"  {name:24s} test MAE {b['test_mae']:9.3f}  val MAE {b['val_mae']:9.3f} {series.unit}")

    models = {}
    steps, features = p.x["train"].shape[1:]
    for kind in kinds:
        runs = []
        for seed in args.seeds:
            keras.utils.set_random_seed(seed)
            model = F.build_model(kind, steps, features)
            fit = F.fit_model(model, (p.x["train"], p.z["train"]), (p.x["val"], p.z["val"]),
                              epochs=args.epochs, patience=args.patience)
            forecast = p.to_unit(F.predict(model, p.x["test"]))
            runs.append({"seed": seed, "test_mae": F.mae(forecast, p.y["test"]),
                         "val_mae": F.mae(p.to_unit(F.predict(model, p.x["val"])), p.y["val"]),
                         "test_days": F.daily_mean_errors(forecast, p.y["test"], days).tolist(),
                         "epochs": fit["epochs"], "best_epoch": fit["best_epoch"],
                         "seconds": round(fit["seconds"], 1), "params": int(model.count_params())})
            print(f"  {kind:16s} seed {seed}: test MAE {runs[-1]['test_mae']:9.3f}, val {runs[-1]['val_mae']:9.3f} "
                  f"({fit['epochs']} epochs, best {fit['best_epoch']}, {fit['seconds']:.0f} s)", flush=True)
            keras.backend.clear_session()
        summary = stats.summarise_seeds([r["test_mae"] for r in runs])
        models[kind] = {"layers": F.MODEL_KINDS[kind], "runs": runs, "test_mae": summary}
        print(f"  {kind:16s} test MAE {summary['text']}")

    verdict = best_against_baseline(baselines, models)
    if verdict:
        print(f"best recurrent {verdict['model']} against best baseline {verdict['baseline']}: {verdict['text']} "
              f"({verdict['percent']:+.1f} % of the baseline's MAE)")

    out = {"data": series.name, "origin": series.origin, "unit": series.unit, "rows": len(series.values),
           "protocol": protocol.to_dict(), "windows": {s: len(p.y[s]) for s in p.y},
           "test_period": [str(series.times[p.starts["test"][0] + protocol.delay]), str(series.times[-1])],
           "seeds": args.seeds, "epochs": args.epochs, "patience": args.patience,
           "baselines": baselines, "models": models, "verdict": verdict,
           "seconds": round(time.perf_counter() - t_all, 1),
           "environment": {"tensorflow": tf.__version__, "keras": keras.__version__, "python": platform.python_version(),
                           "device": "GPU" if tf.config.list_physical_devices("GPU") else "CPU",
                           "cpus": os.cpu_count()}}
    if args.write:
        from lstm_tutorial.tools.paths import atomic_write

        with atomic_write(args.write, "w") as f:
            json.dump(out, f, indent=1)
        print(f"wrote {args.write}")
    return 0


def best_against_baseline(baselines: dict, models: dict) -> dict | None:
    """The best recurrent model (lowest mean test MAE) against the best baseline, by stats.compare."""
    from lstm_tutorial import stats

    recurrent = [k for k in models if k in RECURRENT]
    if not recurrent:
        return None
    best_model = min(recurrent, key=lambda k: models[k]["test_mae"]["mean"])
    best_base = min(baselines, key=lambda k: baselines[k]["test_mae"])
    runs, base = models[best_model]["runs"], baselines[best_base]
    n = len(runs)
    # A deterministic baseline gives the same forecast whatever the seed: zero seed spread.
    result = stats.compare([r["test_mae"] for r in runs], [base["test_mae"]] * n,
                           a_examples=[r["test_days"] for r in runs], b_examples=[base["test_days"]] * n,
                           higher_is_better=False)
    return {"model": best_model, "baseline": best_base, "difference": result.difference,
            "low": result.low, "high": result.high, "real": result.real, "model_better": result.a_better,
            "percent": 100 * (base["test_mae"] - models[best_model]["test_mae"]["mean"]) / base["test_mae"],
            "text": str(result)}


def merge(files, write) -> int:
    """Join runs of the same protocol made in separate processes (e.g. one model each, in parallel)."""
    parts = [json.loads(Path(f).read_text()) for f in files]
    out = parts[0]
    for part in parts[1:]:
        for key in ("data", "protocol", "windows", "seeds", "epochs", "patience"):
            if part[key] != out[key]:
                print(f"error: {key} differs between the files ({out[key]} and {part[key]})", file=sys.stderr)
                return 2
        out["models"].update(part["models"])
        out["seconds"] = round(out["seconds"] + part["seconds"], 1)
    out["verdict"] = best_against_baseline(out["baselines"], out["models"])
    print(out["verdict"]["text"] if out["verdict"] else "no recurrent model")
    if write:
        from lstm_tutorial.tools.paths import atomic_write

        with atomic_write(write, "w") as f:
            json.dump(out, f, indent=1)
        print(f"wrote {write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
