"""The command line: ``python -m lstm_tutorial COMMAND`` (``--help`` lists the commands).

A problem the user can fix is one ``error:`` line, no traceback. Usage mistakes are found before
anything heavy is imported; TensorFlow starts through ``_start_tensorflow`` before Keras is imported,
so no C++ log line reaches the terminal.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from ..io.errors import LstmTutorialError, UsageError
from ..io.environment import enable_gpu_memory_growth as _start_tensorflow

PROG = "python -m lstm_tutorial"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (plus a hint), not a usage dump."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (try '{self.prog} --help')\n")


def _command(sub, name: str, func, help: str) -> argparse.ArgumentParser:
    """A sub-command ``name`` that runs ``func(args)``."""
    p = sub.add_parser(name, help=help)
    p.set_defaults(func=func)
    return p


# --------------------------------------------------------------------------- doctor
#: How to provide NLTK's stopwords without internet (doctor prints it when they are missing).
STOPWORDS_OFFLINE = ("offline: on a machine with internet run `python -m nltk.downloader "
                     "-d nltk_data stopwords`, copy that nltk_data folder here and set "
                     "NLTK_DATA to it")


def _jena_status() -> str:
    from ..io import datasets, paths

    try:
        path, origin = datasets.locate_jena(download=False)
    except Exception:  # noqa: BLE001 - absent or unreadable: the advice is the same
        return (f"not found (optional: notebook 05 adds it when present; offline: put "
                f"{datasets.JENA_ZIP} into {paths.data_dir()} or the folder in {paths.DATA_ENV})")
    return f"found {path.name} (from {origin})"


def _taylor_status() -> str:
    import importlib.util

    if importlib.util.find_spec("pmdarima") is None:
        return ("missing: notebook 05's electricity series ships with the pmdarima package; "
                "offline: `pip install pmdarima` from a wheel (see requirements.txt)")
    return "available (in the pmdarima package, nothing to download)"


def _cmd_doctor(args) -> int:
    from ..io import datasets, environment, nltk_data
    from ..io.paths import FAST_ENV

    env = environment.environment()
    # The summary without its last two lines (mode and seed): mode is printed last, with advice.
    print("\n".join(env.summary().splitlines()[:-2]))
    print("gpu: found; TensorFlow uses it automatically (memory growth enabled)" if env.gpus
          else "gpu: none found; TensorFlow runs on the CPU")
    imdb, stopwords = datasets.describe_sources(), nltk_data.describe_stopwords()
    print(f"imdb data: {imdb}")
    print(f"nltk stopwords: {stopwords}" + ("" if stopwords.startswith("available")
                                           else f"\n  {STOPWORDS_OFFLINE}"))
    print(f"electricity series (notebook 05): {_taylor_status()}")
    print(f"jena climate record (optional, notebook 05): {_jena_status()}")
    found = {"the IMDB data": not imdb.startswith(("not found", "problem")),
             "NLTK's stopwords": stopwords.startswith("available")}
    missing = [what for what, there in found.items() if not there]
    print("offline: ready, the notebooks need no download" if not missing else
          f"offline: not ready, {' and '.join(missing)} missing (each line above says how to "
          "provide it); with internet they are downloaded on first use")
    print(f"mode: {environment.mode()}  (set {FAST_ENV}=1 for fast mode)")
    return 0


# --------------------------------------------------------------------------- data
def _cmd_data(args) -> int:
    from ..io import datasets

    info = datasets.prepare_imdb(source=args.source)
    print(f"imdb data: {info['location']} ({info['origin']})")
    for split, count in info["counts"].items():
        positives = info.get("positive", {}).get(split)
        balance = f", {positives:,} positive" if positives is not None else ""
        print(f"  {split}: {count:,} reviews{balance}")
    if info.get("note"):
        print(f"note: {info['note']}")
    return 0


# --------------------------------------------------------------------------- notebooks
def _cmd_notebooks(args) -> int:
    from . import runner

    if not args.update_setup_cells:
        summary = runner.run_notebooks(names=args.names, fast=args.fast, out_dir=args.out,
                                       write_back=args.write_back, timeout=args.timeout)
        return 0 if summary.ok else 1
    from . import colab
    from ..io.paths import project_root

    changed = colab.update(runner.find_notebooks(args.names), readme=project_root() / "README.md")
    for path in changed:
        print(f"updated {path}")
    print(f"{len(changed)} file(s) changed; set-up cells install {colab.PIP_REQUIREMENT}")
    return 0


# --------------------------------------------------------------------------- train / predict / evaluate
def _add_train_parsers(sub) -> None:
    p = _command(sub, "train", _cmd_train, "train a classifier on IMDB and save it with its vocabulary")
    p.add_argument("--model", choices=["rnn", "lstm", "gru", "bilstm"], default="bilstm")
    p.add_argument("--epochs", type=int, help="maximum epochs, the length of the cosine schedule "
                   "(default: 6; early stopping may stop sooner)")
    p.add_argument("--out", help="output folder (default: models/<model>)")
    p.add_argument("--length", type=int, help="tokens kept per review (default: 1000)")
    p.add_argument("--max-tokens", type=int, help="vocabulary size incl. padding and OOV (default: 30000)")
    p.add_argument("--batch-size", type=int, help="reviews per batch (default: 128)")
    p.add_argument("--remove-stopwords", action="store_true", default=None, help="drop NLTK's English stopwords first")
    p.add_argument("--dropout", type=float, help="embedding and head dropout (default: 0.25)")
    p.add_argument("--learning-rate", type=float, help="Adam's initial learning rate (default: 0.002)")
    p.add_argument("--word-vectors", choices=["word2vec", "none"],
                   help="embedding start: word2vec trained here on the training and unlabelled "
                        "reviews (default: word2vec), or none (random)")
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, help="random seed (default: 0)")
    seeds.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                       help="train once per seed (e.g. --seeds 0 1 2), report mean +- std of the "
                            "test accuracy and save the best on validation")
    predict = _command(sub, "predict", _cmd_predict, "label raw reviews with a saved model")
    predict.add_argument("texts", nargs="*", metavar="TEXT", help="reviews to label")
    predict.add_argument("--file", help="a UTF-8 text file with one review per line ('-' reads standard input)")
    evaluate = _command(sub, "evaluate", _cmd_evaluate, "accuracy of a saved model on the official test set")
    for p in (predict, evaluate):
        p.add_argument("--model", help="saved model folder, or its model.keras (default: models/bilstm)")


def _cmd_train(args) -> int:
    _start_tensorflow()  # first: importing training imports Keras, which must start quietly
    from .. import training
    from ..io import environment
    from . import classifier

    overrides = {k: getattr(args, k) for k in ("epochs", "length", "max_tokens", "batch_size", "word_vectors",
                                               "seed", "dropout", "learning_rate", "remove_stopwords")}
    config = training.TrainConfig.for_mode(model=args.model, **overrides)  # None: the default
    if args.seeds:
        classifier.train_seeds(config, args.seeds, out_dir=args.out)
    else:
        classifier.train_model(config, out_dir=args.out)
    if environment.is_fast():
        print(f"note: fast mode trains on {config.train_limit:,} reviews for {config.epochs} "
              "epoch(s), so an accuracy near chance (0.5) is expected; without "
              "LSTM_TUTORIAL_FAST it trains on all 25,000")
    return 0


def _decoded(line: bytes) -> tuple[str, str | None]:
    """A line of --file as text, with the reason it cannot be read as UTF-8 (or None)."""
    try:
        return line.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text = line.decode("utf-8", "replace")
        if b"\x00" in line:
            return text, "not UTF-8 text: it contains NUL bytes (binary data?)"
        return text, (f"not UTF-8 (byte 0x{line[exc.start]:02x} at byte {exc.start}; Latin-1 or "
                      "Windows-1252 text?): save the file as UTF-8")


def _read_raw_reviews(args) -> list[tuple[str, str | None]]:
    """(text, encoding problem) pairs from TEXT arguments and/or --file (one review per line);
    imports nothing heavy, so a usage mistake is reported before TensorFlow starts."""
    items: list[tuple[str, str | None]] = [(t, None) for t in args.texts]
    if args.file:
        if args.file != "-" and not Path(args.file).is_file():
            raise UsageError(f"no file at {args.file}; --file needs a text file with one review "
                             "per line ('-' reads standard input)")
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        items += [_decoded(line) for line in raw.splitlines()]
    if not items:
        raise UsageError("nothing to classify: give reviews as arguments (in quotes) or "
                         "--file FILE (one review per line; --file - reads standard input)")
    return items


def _snippet(t: str, width: int = 60) -> str:
    t = " ".join(t.split())
    return t if len(t) <= width else t[: width - 3] + "..."


def _saved_model_folder(args) -> Path:
    """--model as a folder: the default, the folder given, or the folder of a ``.keras`` file."""
    if args.model:
        path = Path(args.model)
        return path.parent if path.suffix == ".keras" and path.is_file() else path
    from .classifier import default_model_dir

    return default_model_dir("bilstm")


def _cmd_predict(args) -> int:
    raw = _read_raw_reviews(args)  # usage mistakes first, before anything heavy
    _start_tensorflow()  # before importing training, which imports Keras
    from .classifier import Classifier, review_problem

    items = [(t, problem or review_problem(t)) for t, problem in raw]

    clf = Classifier.load(_saved_model_folder(args))
    good = [t for t, problem in items if problem is None]
    probs = iter(clf.predict_proba(good)) if good else iter(())
    failures = 0
    for n, (t, problem) in enumerate(items, start=1):
        if problem:
            failures += 1
            print(f"error     {'-':>5}  review {n}: {problem}")
            continue
        p = float(next(probs))
        label = "positive" if p >= 0.5 else "negative"
        print(f"{label:<9} {p:.3f}  {_snippet(t)}")
    if failures:
        print(f"{failures} of {len(items)} reviews could not be classified (see the 'error' lines)", file=sys.stderr)
    return 1 if failures else 0


def _cmd_evaluate(args) -> int:
    from dataclasses import replace

    _start_tensorflow()  # first: importing models imports Keras, which must start quietly
    from ..io import environment
    from .. import models, training
    from ..stats import accuracy_interval
    from . import classifier

    folder = _saved_model_folder(args)
    clf = classifier.Classifier.load(folder)
    config = clf.config
    if environment.is_fast() and config.test_limit is None:
        config = replace(config, test_limit=training.TrainConfig.FAST["test_limit"])
    elif not environment.is_fast():
        config = replace(config, test_limit=None)
    print(f"evaluate {folder} ({models.DISPLAY_NAMES.get(config.model, config.model)}) on the official test set")
    x, y = training.load_test(config, clf.vocab, verbose=True)
    result = training.evaluate(clf.model, x, y)
    low, high = accuracy_interval(result["accuracy"], result["count"])
    print(f"test accuracy: {result['accuracy']:.4f} (95% interval {low:.4f}-{high:.4f}) "
          f"on {result['count']:,} reviews "
          f"(log-loss {result['loss']:.4f}, {result['reviews_per_second']:.0f} reviews/s)")
    return 0


# --------------------------------------------------------------------------- train-lm / generate (notebook 04)
def _add_language_model_parsers(sub) -> None:
    p = _command(sub, "train-lm", _cmd_train_lm, "train a character language model on IMDB reviews (train + unsup)")
    p.add_argument("--out", help="output folder (default: models/char_lm)")
    p.add_argument("--kind", choices=["lstm", "rnn"], help="recurrent layer (default: lstm)")
    p.add_argument("--layers", type=int, dest="n_layers", help="stacked recurrent layers (default: 1)")
    p.add_argument("--units", type=int, help="units per layer (default: 128)")
    p.add_argument("--epochs", type=int, help="passes over the training text (default: 1)")
    p.add_argument("--steps", type=int, dest="max_steps_per_epoch",
                   help="at most this many windows per epoch (default: a whole pass)")
    p.add_argument("--reviews", type=int, dest="n_reviews",
                   help="IMDB reviews read (train + unsup, shuffled; default: 8000)")
    p.add_argument("--seq-len", type=int, help="characters per window of truncated BPTT (default: 100)")
    p.add_argument("--batch-size", type=int, help="parallel text streams (default: 64)")
    p.add_argument("--embedding-dim", type=int, help="size of each character's vector (default: 32)")
    p.add_argument("--lr", type=float, dest="learning_rate", help="Adam's learning rate (default: 3e-3)")
    p.add_argument("--lr-schedule", choices=["constant", "cosine"],
                   help="cosine: decay to a tenth of --lr by the last step (default: constant)")
    p.add_argument("--val-chars", type=int, help="validation characters read after each epoch (default: 200,000)")
    p.add_argument("--seed", type=int, help="shuffles the reviews and the initial weights (default: 0)")
    p.add_argument("--max-minutes", type=float,
                   help="stop after the epoch that ends past this many minutes; run the same command again to resume")
    p.add_argument("--text", metavar="FILE", help="train on this UTF-8 text file instead of IMDB (the last 5%% validates)")
    p = _command(sub, "generate", _cmd_generate, "continue a prompt with a trained character language model")
    p.add_argument("--model", help="folder saved by train-lm (default: models/char_lm, else the shipped model)")
    p.add_argument("--prompt", default="", help="text to continue (lower-cased like the training text)")
    p.add_argument("--temperature", type=float, default=0.7, help="0 = greedy; <1 safer, >1 wilder (default: 0.7)")
    p.add_argument("--top-k", type=int, help="draw only from the k most likely characters")
    p.add_argument("--length", type=int, default=300, help="characters to generate (default: 300)")
    p.add_argument("-n", type=int, default=1, help="number of samples (default: 1)")
    p.add_argument("--seed", type=int, default=0)


def _lm_folder(value) -> Path:
    from ..io import paths

    return Path(value) if value else paths.output_dir("models") / "char_lm"


def _cmd_train_lm(args) -> int:
    from ..lab import language_model as lm

    overrides = {k: getattr(args, k) for k in ("kind", "n_layers", "units", "epochs", "max_steps_per_epoch",
                                               "n_reviews", "seq_len", "batch_size", "embedding_dim",
                                               "learning_rate", "lr_schedule", "val_chars", "seed")}
    config = lm.LMConfig.for_mode(**overrides)
    out = _lm_folder(args.out)
    _start_tensorflow()
    import keras

    keras.utils.set_random_seed(config.seed)
    if args.text:
        path = Path(args.text)
        if not path.is_file():
            raise UsageError(f"no file at {path}; --text needs a UTF-8 text file")
        try:
            corpus = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not UTF-8 text") from None
        cut = int(len(corpus) * 0.95)
        train_text, val_text = corpus[:cut], corpus[cut:]
        print(f"train a character language model on {path} ({len(corpus):,} characters)")
    else:
        print(f"train a character language model on {config.n_reviews or 'all'} IMDB reviews (train + unsup)")
        train_text, val_text = lm.load_corpus(config.n_reviews, seed=config.seed)
    vocab = lm.CharVocab.fit(train_text, min_count=1 if args.text else 20)
    model = config.build(vocab.size)
    print(f"  {len(train_text):,} training and {len(val_text):,} validation characters, {vocab.size} ids, "
          f"{model.count_params():,} parameters; checkpoints in {out / 'checkpoints'}")
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    result = lm.train_lm(model, train_ids, val_ids, config, run_dir=out / "checkpoints", vocab=vocab,
                         max_minutes=args.max_minutes)
    history = result["history"]
    final = history[-1]["val_bits_per_char"] if history else float("nan")
    recipe = _lm_recipe(args, config, len(train_ids), len(val_ids), history, result["stopped_early"])
    lm.save_lm(out, model, vocab, config, {"val_bits_per_char": final, "history": history}, recipe)
    print(f"saved {out}: validation {final:.3f} bits/char after {recipe['chars_seen']:,} characters"
          + (" (stopped early: run the same command again to continue)" if result["stopped_early"] else ""))
    return 0


def _without_out(argv: list[str]) -> list[str]:
    """The command's arguments less ``--out PATH``: where a model was saved is not how it was made."""
    kept = [arg for arg in argv if not arg.startswith("--out=")]
    while "--out" in kept:
        at = kept.index("--out")
        del kept[at:at + 2]
    return kept


def _training_recipe(args) -> dict:
    """How a model was made, saved beside it: the command, device, versions, when."""
    import datetime
    import platform
    import shlex

    import keras
    import tensorflow as tf

    from .. import __version__

    gpus = tf.config.list_physical_devices("GPU")
    return {
        "command": f"{PROG} " + " ".join(shlex.quote(a) for a in _without_out(args.argv)),
        "device": f"GPU ({len(gpus)})" if gpus else f"CPU ({os.cpu_count()} cores)",
        "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": {"lstm_tutorial": __version__, "tensorflow": tf.__version__, "keras": keras.__version__,
                     "python": platform.python_version()},
    }


def _lm_recipe(args, config, n_train: int, n_val: int, history: list, stopped_early: bool) -> dict:
    """How a language model was made, saved beside it: the command, data, device, time."""
    return {
        **_training_recipe(args),
        "data": "text" if args.text else f"IMDB train + unsup reviews, shuffled with seed {config.seed}, "
                                         f"{config.n_reviews or 'all'} reviews, 5 % of them held out for validation",
        "training_chars": n_train, "validation_chars": n_val,
        "chars_seen": int(history[-1]["chars_seen"]) if history else 0,
        "epochs_done": len(history), "stopped_early": stopped_early,
        "seed": config.seed,
        "wall_seconds": round(sum(h["seconds"] for h in history), 1),
    }


def _cmd_generate(args) -> int:
    from ..lab import language_model as lm

    if args.length < 0 or args.n < 1:
        raise UsageError("--length must be 0 or more and -n at least 1")
    _start_tensorflow()
    folder = _lm_folder(args.model)
    if args.model is None and not (folder / lm.LM_MODEL_FILE).is_file():
        folder = lm.SHIPPED_LM  # nothing trained here yet: the model that ships with the package
    model, vocab, _ = lm.load_lm(folder, require_hash=folder == lm.SHIPPED_LM)
    for text in lm.sample(model, vocab, args.prompt, args.length, args.temperature, args.top_k, args.n, args.seed):
        print(args.prompt + text)
    return 0


# --------------------------------------------------------------------------- train-g2p / pronounce (notebook 06)
def _add_g2p_parsers(sub) -> None:
    p = _command(sub, "train-g2p", _cmd_train_g2p,
                 "train notebook 06's spelling-to-pronunciation model on the CMU Pronouncing Dictionary")
    p.add_argument("--out", help="output folder (default: models/g2p, or models/g2p_plain with --no-attention)")
    p.add_argument("--no-attention", dest="attention", action="store_false",
                   help="the decoder sees the word only through the encoder's final states")
    p.add_argument("--epochs", type=int, help="passes over the training words (default: 12)")
    p.add_argument("--units", type=int,
                   help="decoder units; the encoder has half as many in each direction (default: 256)")
    p.add_argument("--words", type=int, dest="max_train_words", help="train on only this many words (a quick try)")
    p.add_argument("--seed", type=int, help="initial weights and batch order (default: 0)")
    p = _command(sub, "pronounce", _cmd_pronounce, "spell out how English words are pronounced (ARPAbet)")
    p.add_argument("words", nargs="+", metavar="WORD", help="words spelt with the letters a-z and apostrophes")
    p.add_argument("--model", help="folder saved by train-g2p (default: models/g2p, else the shipped model)")
    p.add_argument("--beam", type=int, default=3, help="beam width (1 = greedy; default: 3)")


def _cmd_train_g2p(args) -> int:
    from ..io import paths

    out = Path(args.out) if args.out else paths.output_dir("models") / ("g2p" if args.attention else "g2p_plain")
    _start_tensorflow()  # before the model code imports Keras, so TensorFlow starts quietly
    from ..lab import seq2seq

    overrides = {k: getattr(args, k) for k in ("epochs", "units", "max_train_words", "seed")
                 if getattr(args, k) is not None}
    config = seq2seq.G2PConfig(attention=args.attention, **overrides)
    print(f"train {'with' if args.attention else 'without'} attention into {out} "
          f"(an interrupted run resumes from {out.name}.training/ when started again)")
    metrics = seq2seq.train_g2p(out, config, recipe=_training_recipe(args))
    print(f"saved {out}: validation word error rate {metrics['validation_word_error_rate']:.1%}, "
          f"phoneme error rate {metrics['validation_phoneme_error_rate']:.1%} (greedy)")
    return 0


def _cmd_pronounce(args) -> int:
    from ..io import datasets, paths

    if args.beam < 1:
        raise UsageError("--beam must be at least 1")
    words = [w.lower() for w in args.words]
    _start_tensorflow()  # before the model code imports Keras, so TensorFlow starts quietly
    from ..lab import seq2seq

    folder = Path(args.model) if args.model else paths.output_dir("models") / "g2p"
    if args.model is None and not (folder / seq2seq.G2P_FILES[0]).is_file():
        folder = seq2seq.SHIPPED_G2P  # nothing trained here yet: the model that ships with the package
    model, symbols, _, _ = seq2seq.load_g2p(folder)
    sources = symbols.encode_sources([tuple(w) for w in words])  # a UsageError names what it cannot spell
    predicted = seq2seq.Decoder(model).beam(sources, width=args.beam)
    dictionary = datasets.load_cmudict()
    for word, ids in zip(words, predicted):
        known = dictionary.get(word)
        line = f"{word:<16} {' '.join(symbols.decode(ids))}"
        if known:
            line += "   dictionary: " + " | ".join(" ".join(p) for p in known)
        print(line)
    return 0


# --------------------------------------------------------------------------- site
def _cmd_site(args) -> int:
    from . import site

    index = site.build(out_dir=Path(args.out) if args.out else None)
    print(f"open {index} in a browser (nothing in it needs the network)")
    return 0


# --------------------------------------------------------------------------- solutions
def _cmd_solutions(args) -> int:
    from . import runner, solutions

    folder = runner.notebooks_dir()
    for name in args.extract or []:
        for student in runner.find_notebooks([name], folder):
            moved = solutions.extract(student)
            print(f"{student.name}: moved {moved} solution(s) to solutions/{student.name[:2]}.md")
    if args.check:
        problems = solutions.check(folder)
        for line in problems:
            print(line)
        print("instructor copies up to date, no solution in a student notebook" if not problems else
              f"{len(problems)} problem(s)")
        return 1 if problems else 0
    for path in solutions.write_instructor_copies(folder):
        print(f"wrote {path.relative_to(folder.parent)}")
    return 0


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, epilog="Run a command with --help for its options.",
                     description="lstm-tutorial: run the course notebooks, manage the IMDB data, train and use classifiers.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    _command(sub, "doctor", _cmd_doctor, "versions, devices, data and mode")
    p = _command(sub, "data", _cmd_data, "locate, download or import the IMDB data and verify it")
    p.add_argument("--from", dest="source", metavar="PATH",
                   help="a folder holding aclImdb/ or aclImdb_v1.tar.gz, or the archive itself")
    p = _command(sub, "notebooks", _cmd_notebooks, "execute notebooks headlessly and write a summary")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="notebooks to run, by file name or prefix such as 01 (default: all)")
    p.add_argument("--fast", action="store_true", help="fast mode: small data, minutes not hours")
    p.add_argument("--out", help="folder for executed notebooks and summary (default: runs/<mode>)")
    p.add_argument("--write-back", action="store_true",
                   help="also save the executed notebooks over notebooks/ (how committed outputs are made)")
    p.add_argument("--timeout", type=int, help="per-notebook limit in seconds")
    p.add_argument("--update-setup-cells", action="store_true",
                   help="do not run: rewrite each notebook's first code cell and the Colab links "
                        "(notebooks and README) from lstm_tutorial/tools/colab.py")
    _add_train_parsers(sub)
    _add_language_model_parsers(sub)
    _add_g2p_parsers(sub)
    p = _command(sub, "site", _cmd_site, "build the course website from the committed notebooks")
    p.add_argument("--out", help="output folder (default: runs/site/html)")
    p = _command(sub, "solutions", _cmd_solutions, "write the instructor copies with the exercises' solutions")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a copy is stale or a student notebook carries a solution")
    p.add_argument("--extract", nargs="+", metavar="NAME",
                   help="first move the <details> solution blocks of these notebooks into notebooks/solutions/NN.md")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)  # usage mistakes end here, before any import
    args.argv = argv  # the command as typed, for the records saved beside a trained model
    from ..io.environment import quiet_tensorflow

    quiet_tensorflow()  # whichever command imports TensorFlow later, its C++ log stays quiet
    try:
        return int(args.func(args) or 0)
    except LstmTutorialError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
