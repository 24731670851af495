"""Benchmark: the forecasting protocol of notebook 05, baselines and models, over seeds.

    python benchmarks/bench_forecast.py --data taylor --write notebooks/data/forecast_taylor.json
    python benchmarks/bench_forecast.py --data jena   --write notebooks/data/forecast_jena.json  # needs the Jena CSV

With ``--data jena`` (the book's protocol: five days of hourly inputs, 24 h ahead, 14 features)
the windows are held in memory: several GB for the 420,000 rows, and hours of training on a
CPU. Tried here on a small file of the real layout only (this machine cannot fetch the record).

On one series, with the protocol of :mod:`lstm_tutorial.lab.forecast` (chronological 50/25/25
split, normalisation fitted on the training rows, windows that never cross a split):

* the **baselines**, deterministic, on the test windows: persistence, the seasonal naive
  forecasts (one day; one week too on taylor), ridge regression on the flattened window
  (its penalty chosen on validation);
* each **model** of :data:`DEFAULT_MODELS` (a dense network, LSTM(16), GRU(32), and ridge's
  linear map plus a GRU correction, ``ridge_gru``), once per seed: Adam at 3e-3, batches of
  64, at most 150 epochs with early stopping on validation MAE (patience 12, best weights
  restored) and the learning rate halved after 5 epochs without progress; scored once on
  the test windows. (With at most 20 epochs and patience 4, most recurrent runs were still
  improving when they stopped: these defaults let them finish.) ``--models`` also runs the
  book's LSTM(32) with recurrent dropout and its stacked GRUs (``lstm32_dropout``,
  ``stacked_gru``), left out by default for their time;
* the **verdict**: the best recurrent model against the best baseline, both chosen on
  validation MAE, with :func:`lstm_tutorial.stats.compare` (seed spread + paired bootstrap over
  test *days*; a deterministic baseline has no seed spread), as a difference in the
  series' unit and as a percentage of the baseline's MAE.

Nothing is chosen on the test windows. Prints a table; ``--write`` stores every figure as
JSON (notebook 05 reads ``notebooks/data/forecast_taylor.json``), after each model, so an
interrupted run keeps the models it finished. On a CPU the figures are the same from run to
run (the seeds fix everything), so the committed file was made in two processes side by
side and joined, which gives what the single command gives::

    python benchmarks/bench_forecast.py --models ridge_gru dense --write a.json
    python benchmarks/bench_forecast.py --models gru32 --write b.json
    python benchmarks/bench_forecast.py --models lstm16 --write c.json
    python benchmarks/bench_forecast.py --merge a.json b.json c.json --write notebooks/data/forecast_taylor.json

Three seeds took, on 2 CPU cores: about 1.5 minutes for ridge_gru and 1 minute for dense;
16 minutes for gru32 (82-125 epochs a seed, 2-5 s an epoch, the cores shared with other
jobs) and 5 minutes for lstm16 (48-121 epochs, on quieter cores).
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

RECURRENT = ("lstm16", "lstm32_dropout", "gru32", "stacked_gru", "ridge_gru")
#: The models run by default. The book's LSTM(32) with recurrent dropout and its stacked GRUs
#: are left out: recurrent dropout has no fast kernel, and with the 150-epoch budget they
#: would need well over an hour each for three seeds on 2 CPU cores (``--models`` runs them).
DEFAULT_MODELS = ("dense", "lstm16", "gru32", "ridge_gru")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=("taylor", "jena"), default="taylor")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=None, help="model kinds (default: all)")
    parser.add_argument("--epochs", type=int, default=150, help="at most this many epochs per model")
    parser.add_argument("--patience", type=int, default=12, help="early stopping on validation MAE")
    parser.add_argument("--lr-patience", type=int, default=5,
                        help="halve the learning rate after this many epochs without a better validation MAE")
    parser.add_argument("--write", default=None, metavar="JSON", help="store the figures here")
    parser.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                        help="do not train: join these files' models (same data, protocol and seeds) into --write")
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.write)

    import keras

    from lstm_tutorial import stats, training
    from lstm_tutorial.lab import forecast as F
    from lstm_tutorial.io.errors import LstmTutorialError

    try:
        series = F.load_taylor() if args.data == "taylor" else F.load_jena()
    except LstmTutorialError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    protocol = F.TAYLOR if args.data == "taylor" else F.DLWP_JENA
    kinds = args.models or list(DEFAULT_MODELS)
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
            model = F.build_model(kind, steps, features, linear=(ridge.coef_, ridge.intercept_))
            halve = [keras.callbacks.ReduceLROnPlateau("val_mae", factor=0.5, patience=args.lr_patience)]
            fit = training.fit(model, (p.x["train"], p.z["train"]), (p.x["val"], p.z["val"]), epochs=args.epochs,
                               patience=args.patience, monitor="val_mae", batch_size=64,
                               callbacks=halve if args.lr_patience else [], verbose=0)
            forecast = p.to_unit(F.predict(model, p.x["test"]))
            runs.append({"seed": seed, "test_mae": F.mae(forecast, p.y["test"]),
                         "val_mae": F.mae(p.to_unit(F.predict(model, p.x["val"])), p.y["val"]),
                         "test_days": F.daily_mean_errors(forecast, p.y["test"], days).tolist(),
                         "epochs": fit.epochs_run, "best_epoch": fit.best_epoch,
                         "seconds": round(sum(fit.epoch_seconds), 1), "params": int(model.count_params())})
            print(f"  {kind:16s} seed {seed}: test MAE {runs[-1]['test_mae']:9.3f}, val {runs[-1]['val_mae']:9.3f} "
                  f"({fit.epochs_run} epochs, best {fit.best_epoch}, {sum(fit.epoch_seconds):.0f} s)", flush=True)
            keras.backend.clear_session()
        summary = stats.summarise_seeds([r["test_mae"] for r in runs])
        models[kind] = {"layers": F.MODEL_KINDS[kind], "runs": runs, "test_mae": summary}
        print(f"  {kind:16s} test MAE {summary['text']}")
        if args.write:   # after each model, so a long run interrupted keeps what it finished
            write(args.write, output(series, protocol, p, args, baselines, models, t_all))

    out = output(series, protocol, p, args, baselines, models, t_all)
    verdict = out["verdict"]
    if verdict:
        print(f"best recurrent {verdict['model']} against best baseline {verdict['baseline']}: {verdict['text']} "
              f"({verdict['percent']:+.1f} % of the baseline's MAE)")

    if args.write:
        write(args.write, out)
        print(f"wrote {args.write}")
    return 0


def output(series, protocol, p, args, baselines: dict, models: dict, t_all: float) -> dict:
    """Everything the run measured, as stored in the JSON file."""
    import keras
    import tensorflow as tf

    return {"data": series.name, "origin": series.origin, "unit": series.unit, "rows": len(series.values),
            "protocol": protocol.to_dict(), "windows": {s: len(p.y[s]) for s in p.y},
            "test_period": [str(series.times[p.starts["test"][0] + protocol.delay]), str(series.times[-1])],
            "seeds": args.seeds, "epochs": args.epochs, "patience": args.patience, "lr_patience": args.lr_patience,
            "baselines": baselines, "models": dict(models), "verdict": best_against_baseline(baselines, models),
            "seconds": round(time.perf_counter() - t_all, 1),
            "environment": {"tensorflow": tf.__version__, "keras": keras.__version__, "python": platform.python_version(),
                            "device": "GPU" if tf.config.list_physical_devices("GPU") else "CPU",
                            "cpus": os.cpu_count()}}


def write(path, out: dict) -> None:
    """Store ``out`` as JSON, atomically."""
    from lstm_tutorial.tools.paths import atomic_write

    with atomic_write(path, "w") as f:
        json.dump(out, f, indent=1)


def best_against_baseline(baselines: dict, models: dict) -> dict | None:
    """The best recurrent model against the best baseline on test MAE, by stats.compare.

    Both are chosen on *validation* MAE (a model's mean over its seeds), never on the test
    windows the comparison is about.
    """
    from lstm_tutorial import stats

    recurrent = [k for k in models if k in RECURRENT]
    if not recurrent:
        return None
    best_model = min(recurrent, key=lambda k: np.mean([r["val_mae"] for r in models[k]["runs"]]))
    best_base = min(baselines, key=lambda k: baselines[k]["val_mae"])
    runs, base = models[best_model]["runs"], baselines[best_base]
    # A deterministic baseline gives the same forecast whatever the seed: one number, no seed
    # spread, only its test-sample noise (paired with the model's over the same test days).
    result = stats.compare([r["test_mae"] for r in runs], base["test_mae"],
                           a_examples=[r["test_days"] for r in runs], b_examples=base["test_days"],
                           higher_is_better=False)
    return {"model": best_model, "baseline": best_base, "difference": result.difference,
            "low": result.low, "high": result.high, "real": result.real, "model_better": result.a_better,
            "percent": 100 * (base["test_mae"] - models[best_model]["test_mae"]["mean"]) / base["test_mae"],
            "text": str(result)}


def merge(files, target) -> int:
    """Join runs of the same protocol made in separate processes (e.g. one model each, in parallel)."""
    parts = [json.loads(Path(f).read_text()) for f in files]
    out = parts[0]
    for part in parts[1:]:
        for key in ("data", "protocol", "windows", "seeds", "epochs", "patience", "lr_patience"):
            if part[key] != out[key]:
                print(f"error: {key} differs between the files ({out[key]} and {part[key]})", file=sys.stderr)
                return 2
        out["models"].update(part["models"])
        out["seconds"] = round(out["seconds"] + part["seconds"], 1)
    out["verdict"] = best_against_baseline(out["baselines"], out["models"])
    print(out["verdict"]["text"] if out["verdict"] else "no recurrent model")
    if target:
        write(target, out)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
