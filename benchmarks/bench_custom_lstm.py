"""Training-step time of GatedLSTM against keras.layers.LSTM, in one process.

Times one ``train_on_batch`` (forward, backward, Adam update) of the notebook-02
sentiment model (Embedding(mask_zero) -> LSTM -> Dense) on a fixed batch of random,
right-padded token ids, for the built-in LSTM, the fused GatedLSTM and the per-gate
GatedLSTM, with and without ``jit_compile``. Models take turns (``--rounds``) so a
change in machine load hits all of them alike. Prints one line per model and a JSON
line with the medians and the ratios custom / built-in.

    .venv/bin/python benchmarks/bench_custom_lstm.py            # defaults: as notebook 02, full mode
    .venv/bin/python benchmarks/bench_custom_lstm.py --length 100 --steps 3 --rounds 1   # quick

Run it on an otherwise idle machine for timings you report.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=200, help="tokens per sequence")
    parser.add_argument("--vocab", type=int, default=10_000)
    parser.add_argument("--embed", type=int, default=32)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per model and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jit", choices=["both", "on", "off"], default="both")
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    import lstm_tutorial as lt
    from lstm_tutorial.lab.gates import compare_train_step_times
    from lstm_tutorial.layers import GatedLSTM
    from lstm_tutorial.models import build_simple_classifier

    env = lt.setup(seed=0, verbose=False)
    rng = np.random.default_rng(0)
    lengths = rng.integers(args.length // 4, args.length + 1, size=args.batch)
    x = rng.integers(2, args.vocab, size=(args.batch, args.length)).astype("int32")
    x[np.arange(args.length)[None, :] >= lengths[:, None]] = 0          # right padding
    y = rng.integers(0, 2, size=(args.batch, 1)).astype("float32")

    makers = {"keras.layers.LSTM": lambda: keras.layers.LSTM(args.units),
              "GatedLSTM (fused)": lambda: GatedLSTM(args.units),
              "GatedLSTM (per gate)": lambda: GatedLSTM(args.units, fused=False)}
    jits = {"both": (False, True), "on": (True,), "off": (False,)}[args.jit]
    models = {}
    for jit in jits:
        for name, make in makers.items():
            keras.utils.set_random_seed(0)
            models[f"{name}, jit={jit}"] = build_simple_classifier(make(), args.vocab, args.embed, args.length,
                                                                jit_compile=jit)
    timings = compare_train_step_times(models, x, y, steps=args.steps, rounds=args.rounds)
    print(f"device: {env.device}; keras {env.keras}, tensorflow {env.tensorflow}; batch {args.batch} x "
          f"{args.length} tokens, embed {args.embed}, units {args.units}")
    for name, t in timings.items():
        print(f"{name:32s} median {1000 * t['median_s']:8.2f} ms  min {1000 * t['min_s']:8.2f} ms  "
              f"(first 2 steps {t['first_s']:.1f} s)")
    ratios = {}
    for jit in jits:
        base = timings[f"keras.layers.LSTM, jit={jit}"]["median_s"]
        for name in ("GatedLSTM (fused)", "GatedLSTM (per gate)"):
            ratios[f"{name} / keras.layers.LSTM, jit={jit}"] = timings[f"{name}, jit={jit}"]["median_s"] / base
    for k, v in ratios.items():
        print(f"{k:52s} {v:.2f}")
    result = {"device": env.device, "args": vars(args),
              "median_ms": {k: round(1000 * t["median_s"], 3) for k, t in timings.items()},
              "ratios": {k: round(v, 3) for k, v in ratios.items()}}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
