"""How fast is the text pipeline? Prints every figure behind the choices in text.py.

    .venv/bin/python benchmarks/bench_preprocessing.py [--sample 3000] [--imdb-dir DIR]

Run it on an otherwise idle machine, otherwise the numbers measure the neighbours.

It measures, in one run:
1. words/s of NLTK's tokenizers on a sample of cleaned IMDB training reviews;
2. the first-run preprocessing of all 50,000 labelled reviews (train + test) through
   ``text.preprocess_imdb`` with an empty cache;
3. loading both splits back from the cache, in this process and in a fresh one;
4. fitting the vocabulary (Counter + min_count vs. ``StringLookup.adapt``);
5. encoding 25,000 reviews (``StringLookup`` + ``pad_sequences``).

The reviews come from ``lstm_tutorial.io.datasets.load_imdb``; with ``--imdb-dir`` (an
extracted ``aclImdb/`` folder) they are read directly instead.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def read_aclimdb(folder: Path, split: str):
    import numpy as np

    texts, labels = [], []
    for label, sub in ((1, "pos"), (0, "neg")):
        for f in sorted((folder / split / sub).glob("*.txt")):
            texts.append(f.read_text(encoding="utf-8"))
            labels.append(label)
    return texts, np.array(labels, dtype=np.int64)


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=3000, help="reviews for the tokenizer comparison")
    ap.add_argument("--imdb-dir", type=Path, help="an extracted aclImdb/ folder (default: data.load_imdb)")
    ap.add_argument("--length", type=int, default=256, help="sequence length for encode")
    args = ap.parse_args()

    # Every cache this run writes goes to a fresh folder: the first run is a real first run.
    home = tempfile.mkdtemp(prefix="bench_text_")
    os.environ["LSTM_TUTORIAL_HOME"] = home
    from lstm_tutorial import text

    if args.imdb_dir is not None:
        folder = args.imdb_dir
        fake = types.ModuleType("lstm_tutorial.io.datasets")
        fake.load_imdb = lambda split="train", source=None: read_aclimdb(folder, split)
        sys.modules["lstm_tutorial.io.datasets"] = fake
        print(f"reviews: read from {folder}")
    from lstm_tutorial.io.datasets import load_imdb

    (train_texts, _), t_train = timed(load_imdb, "train")
    (test_texts, _), t_test = timed(load_imdb, "test")
    print(f"load_imdb train+test: {len(train_texts) + len(test_texts):,} reviews in "
          f"{t_train + t_test:.1f} s (raw text; not part of the preprocessing figures)")

    # 1. Tokenizers ----------------------------------------------------------------
    sample = random.Random(0).sample(train_texts, args.sample)
    cleaned, t_clean = timed(lambda: [text.clean(t) for t in sample])
    n_words = sum(len(t.split()) for t in cleaned)
    print(f"\n1. tokenizers on {len(sample):,} cleaned training reviews ({n_words:,} whitespace words)")
    print(f"   clean(): {n_words / t_clean / 1e3:,.0f}k words/s")
    from nltk.tokenize import (NLTKWordTokenizer, RegexpTokenizer, ToktokTokenizer,
                               TreebankWordTokenizer, TweetTokenizer, WordPunctTokenizer)

    nltk_regexp = RegexpTokenizer(text.TOKEN_PATTERN)  # same rule through nltk.redos

    def regexp_redos(t):
        return nltk_regexp.tokenize(t.replace("n't", " n't"))

    candidates = {
        "TreebankWordTokenizer": TreebankWordTokenizer().tokenize,
        "NLTKWordTokenizer": NLTKWordTokenizer().tokenize,
        "ToktokTokenizer": ToktokTokenizer().tokenize,
        "WordPunctTokenizer": WordPunctTokenizer().tokenize,
        "TweetTokenizer": TweetTokenizer().tokenize,
        "RegexpTokenizer (our rule, nltk.redos)": regexp_redos,
        "text.tokenize (chosen)": text.tokenize,
        "str.split (no tokenizer, reference)": str.split,
    }
    probe = "i don't like it, it's bad... 7/10"
    for name, fn in candidates.items():
        tokens, dt = timed(lambda: [fn(t) for t in cleaned])
        print(f"   {name:40s} {n_words / dt / 1e3:7,.0f}k words/s  "
              f"{sum(map(len, tokens)) / len(tokens):6.1f} tokens/review  {fn(probe)}")

    # 2. First run over all 50,000 labelled reviews ----------------------------------
    print("\n2. first run, all 50,000 labelled reviews (clean + tokenize + cache write)")
    t0 = time.perf_counter()
    train_tokens, _ = text.preprocess_imdb("train")
    test_tokens, _ = text.preprocess_imdb("test")
    total = time.perf_counter() - t0
    (_, dt_load) = timed(lambda: (load_imdb("train"), load_imdb("test")))
    print(f"   {total:.1f} s in total (of which ~{dt_load:.1f} s load_imdb), "
          f"{sum(map(len, train_tokens)) + sum(map(len, test_tokens)):,} tokens")
    tokens_total = sum(map(len, train_tokens)) + sum(map(len, test_tokens))
    _, t_pre = timed(text.preprocess, train_texts + test_texts)
    print(f"   preprocess() alone, 1 process: {t_pre:.1f} s ({tokens_total / t_pre / 1e3:,.0f}k tokens/s)")

    # 3. Cache ------------------------------------------------------------------------
    print("\n3. from cache, train + test")
    t0 = time.perf_counter()
    a, _ = text.preprocess_imdb("train")
    b, _ = text.preprocess_imdb("test")
    print(f"   in this process: {time.perf_counter() - t0:.2f} s")
    assert a == train_tokens and b == test_tokens, "cache round trip changed the tokens"
    code = ("import time; t0 = time.perf_counter(); from lstm_tutorial import text; "
            "text.preprocess_imdb('train'); text.preprocess_imdb('test'); "
            "print(f'{time.perf_counter() - t0:.2f}')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env=os.environ.copy(), check=True)
    print(f"   fresh Python process (import included): {out.stdout.strip()} s")
    size = sum(p.stat().st_size for p in Path(os.environ["LSTM_TUTORIAL_HOME"]).rglob("*.npz"))
    print(f"   cache files: {size / 1e6:.0f} MB")

    # 4. Vocabulary fit -----------------------------------------------------------------
    print("\n4. vocabulary fit on 25,000 training reviews (max_tokens=20000, min_count=2)")
    vocab, t_fit = timed(text.Vocabulary.fit, train_tokens, max_tokens=20000, min_count=2)
    print(f"   Counter + min_count (used): {t_fit:.2f} s, size {vocab.size}")
    import keras
    import tensorflow as tf

    flat = [t for toks in train_tokens for t in toks]
    t0 = time.perf_counter()
    layer = keras.layers.StringLookup(max_tokens=20000, mask_token="", oov_token="[UNK]")
    layer.adapt(tf.constant(flat))
    print(f"   StringLookup.adapt on a flat tensor (no min_count): {time.perf_counter() - t0:.2f} s, "
          f"size {layer.vocabulary_size()}")

    # 5. Encode ---------------------------------------------------------------------------
    print(f"\n5. encode 25,000 test reviews to length {args.length}")
    ids, t_enc = timed(vocab.encode, test_tokens, args.length)  # first call builds the layer
    ids, t_enc = timed(vocab.encode, test_tokens, args.length)
    print(f"   Vocabulary.encode (StringLookup + pad_sequences): {t_enc:.2f} s -> {ids.shape} {ids.dtype}")
    print(f"   test coverage: {vocab.coverage(test_tokens):.3f}")


if __name__ == "__main__":
    main()
