"""Notebook 04's comparison: a one-layer LSTM against a SimpleRNN of the same parameter count.

    python benchmarks/bench_char_lm.py            # 5 seeds x 2 models, 4 M characters each (~45 min, 2 CPU cores)
    python benchmarks/bench_char_lm.py --seeds 0 1 2   # only these seeds (runs already in the file are kept)
    python benchmarks/bench_char_lm.py --fast     # a tiny budget, seconds (a smoke test); writes only to --out

Both models read the same characters in the same order (the same windows of the same
streams) with the same recipe: Adam with a cosine-decayed learning rate and gradient
clipping, truncated BPTT with carried states. The SimpleRNN is made wider until its
parameter count matches the LSTM's (``L.units_for_params``). Validation bits per
character are measured at several points along training, so the two can be compared at
the same number of characters seen. The runs are shorter than the shipped model's
(``lstm_tutorial/pretrained/char_lm/lm.json``); the file says how much shorter.

Writes notebooks/data/char_lm_comparison.json (atomically, after every run; an interrupted
invocation resumes with the runs it has not done). Notebook 04 reads it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The LSTM's width; the SimpleRNN's is chosen to match its parameter count.
LSTM_UNITS = 128
FULL = dict(n_reviews=12_000, chars=4_000_000, checks=5, seeds=(0, 1, 2, 3, 4))
FAST = dict(n_reviews=300, chars=60_000, checks=2, seeds=(0, 1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="tiny budget (smoke test); writes to --out only if given")
    parser.add_argument("--out", type=Path, default=None, help="output JSON (default notebooks/data/char_lm_comparison.json)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds to run (default: 0-4; 0-1 with --fast)")
    args = parser.parse_args(argv)

    from lstm_tutorial.lab import language_model as L
    from lstm_tutorial.io import paths
    from lstm_tutorial.io import environment

    environment.quiet_tensorflow()
    import keras
    import tensorflow as tf

    budget = dict(FAST if args.fast else FULL)
    if args.seeds:
        budget["seeds"] = tuple(args.seeds)
    out = args.out if args.out is not None else (None if args.fast else ROOT / "notebooks" / "data" / "char_lm_comparison.json")
    train_text, val_text = L.load_corpus(budget["n_reviews"], seed=0)
    vocab = L.CharVocab.fit(train_text)
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    base = L.LMConfig(kind="lstm", units=LSTM_UNITS, embedding_dim=32, seq_len=100, batch_size=32,
                      learning_rate=8e-3, lr_schedule="cosine", n_reviews=budget["n_reviews"], val_chars=200_000)
    steps = budget["chars"] // (base.batch_size * base.seq_len)
    base = replace(base, epochs=budget["checks"], max_steps_per_epoch=steps // budget["checks"])
    target = L.char_lm_params(vocab.size, "lstm", base.embedding_dim, LSTM_UNITS)
    rnn_units = L.units_for_params(target, vocab.size, "rnn", base.embedding_dim)
    payload = json.loads(out.read_text()) if out is not None and out.is_file() else {}
    payload.update({
        "what": "validation bits/char of a one-layer LSTM and a SimpleRNN of the same parameter count, "
                "same characters in the same order, same recipe; points along training",
        "command": "python benchmarks/bench_char_lm.py" + (" --fast" if args.fast else ""),  # all seeds
        "data": f"IMDB train + unsup reviews, shuffled with seed 0, {budget['n_reviews']} reviews "
                f"({len(train_ids):,} training characters); validation: the first {base.val_chars:,} characters "
                "of the held-out reviews",
        "config": base.to_dict(), "vocab_size": vocab.size,
        "device": "GPU" if tf.config.list_physical_devices("GPU") else f"CPU ({os.cpu_count()} cores)",
        "models": {"LSTM": {"kind": "lstm", "units": LSTM_UNITS}, "SimpleRNN": {"kind": "rnn", "units": rnn_units}},
    })
    payload.setdefault("runs", [])
    done = {(r["model"], r["seed"]) for r in payload["runs"]}
    print(f"LSTM {LSTM_UNITS} units vs SimpleRNN {rnn_units} units, {target:,} parameters each; "
          f"{steps * base.batch_size * base.seq_len:,} characters per run; writing {out}", flush=True)
    for seed in budget["seeds"]:
        for name, spec in payload["models"].items():
            if (name, seed) in done:
                continue
            config = replace(base, kind=spec["kind"], units=spec["units"], seed=seed)
            keras.utils.set_random_seed(seed)
            model = config.build(vocab.size)
            result = L.train_lm(model, train_ids, val_ids, config, verbose=False)
            run = {"model": name, "seed": seed, "params": model.count_params(), "seconds": round(result["seconds"], 1),
                   "chars_seen": [h["chars_seen"] for h in result["history"]],
                   "val_bits_per_char": [h["val_bits_per_char"] for h in result["history"]]}
            payload["runs"].append(run)
            print(f"{name:10s} seed {seed}: {run['params']:,} parameters, validation "
                  f"{run['val_bits_per_char'][-1]:.3f} bits/char after {run['chars_seen'][-1]:,} characters "
                  f"({run['seconds']:.0f} s)", flush=True)
            if out is not None:
                with paths.atomic_write(out, "w", encoding="utf-8") as fh:
                    json.dump(payload, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
