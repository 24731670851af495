"""Every figure the notebooks show, one function each, so all notebooks look alike.

Functions take plain arrays/dicts, draw on a new matplotlib figure, and return the
``Figure``. :func:`savefig` writes a figure to ``figures/<name>.png`` at the top of the
project (git-ignored) so figures are saved the same way in every notebook.
"""
from __future__ import annotations

from pathlib import Path

from .paths import output_dir


def savefig(fig, name: str, dpi: int = 110) -> Path:
    """Save ``fig`` as ``figures/<name>.png`` and return the path."""
    folder = output_dir("figures")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


# --- Notebook 00: the data ---------------------------------------------------------------

def review_lengths(lengths_by_label: dict, cutoffs=(), unit: str = "tokens"):
    """Histogram of review lengths per label (log-spaced bins), with optional cut-off lines.

    ``lengths_by_label`` maps a label name (e.g. "positive") to an array of lengths;
    each cut-off is drawn with the share of reviews longer than it, i.e. truncated there.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 3.8))
    every = np.concatenate([np.asarray(v) for v in lengths_by_label.values()])
    bins = np.geomspace(max(1, every.min()), every.max() + 1, 50)
    for name, lengths in lengths_by_label.items():
        ax.hist(lengths, bins=bins, alpha=0.55, label=name)
    for cutoff in cutoffs:
        share = float(np.mean(every > cutoff))
        ax.axvline(cutoff, color="black", linestyle="--", linewidth=1)
        ax.text(cutoff, ax.get_ylim()[1] * 0.95, f" {cutoff}: {share:.0%} truncated", va="top", fontsize=9)
    ax.set_xscale("log")
    ax.set_xlabel(f"review length ({unit}, log scale)")
    ax.set_ylabel("reviews")
    ax.legend()
    fig.tight_layout()
    return fig


def vocabulary_coverage(sizes, coverages):
    """Share of test-set tokens that a training vocabulary of each size knows."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(sizes, coverages, marker="o")
    ax.set_xscale("log")
    ax.set_xlabel("vocabulary size (most frequent training tokens)")
    ax.set_ylabel("test tokens covered")
    ax.set_ylim(min(coverages) - 0.02, 1.0)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


# --- Notebook 02: the LSTM gate by gate ---------------------------------------------------

def gate_heatmaps(trace: dict, tokens, units=None, title: str = "", names=("f", "i", "o", "c")):
    """One heatmap per gate (rows: hidden units, columns: tokens) from ``GatedLSTM.trace``.

    ``trace`` maps ``"f", "i", "g", "o", "c", "h"`` to arrays (time, units) for one
    sentence; ``units`` selects which hidden units to show (default: all). Gates use a
    0..1 colour scale; the cell state a diverging scale centred on 0.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    labels = {"f": "forget gate f_t", "i": "input gate i_t", "g": "candidate g_t",
              "o": "output gate o_t", "c": "cell state c_t", "h": "hidden state h_t"}
    tokens = list(tokens)
    cols = slice(None) if units is None else np.asarray(units)
    fig, axes = plt.subplots(len(names), 1, figsize=(max(6, 0.55 * len(tokens) + 2), 2.1 * len(names)),
                             sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        values = np.asarray(trace[name])[: len(tokens)][:, cols].T
        if name in ("f", "i", "o"):
            im = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        else:
            lim = float(np.abs(values).max()) or 1.0
            im = ax.imshow(values, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_ylabel(f"{labels[name]}\nunit", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01)
    axes[-1, 0].set_xticks(range(len(tokens)))
    axes[-1, 0].set_xticklabels(tokens, rotation=45, ha="right")
    if title:
        axes[0, 0].set_title(title)
    fig.tight_layout()
    return fig


def prediction_per_token(tokens, probabilities, title: str = ""):
    """The classifier's P(positive) read after each token (the prefix up to it)."""
    import matplotlib.pyplot as plt

    tokens = list(tokens)
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(tokens) + 2), 2.4))
    ax.plot(range(len(tokens)), probabilities[: len(tokens)], marker="o")
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(positive)")
    ax.set_xticks(range(len(tokens)))
    ax.set_xticklabels(tokens, rotation=45, ha="right")
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def step_times(rows, title: str = "training step time"):
    """Horizontal bars of median step time (ms); ``rows`` is a list of (label, seconds)."""
    import matplotlib.pyplot as plt

    labels = [r[0] for r in rows]
    ms = [1000 * r[1] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    bars = ax.barh(range(len(rows)), ms, color="tab:blue")
    for bar, value in zip(bars, ms):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.0f} ms", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel("median time per training step (ms, CPU)")
    ax.set_xlim(0, max(ms) * 1.2)
    ax.set_title(title)
    fig.tight_layout()
    return fig


# --- Notebook 03: a Bidirectional LSTM on IMDB ---------------------------------------------

def learning_curves(histories: dict, metric: str = "accuracy", best_epochs: dict | None = None):
    """Training (dashed) and validation (solid) ``metric`` per epoch, one colour per model.

    ``histories`` maps a model name to a Keras ``history.history`` dict; ``best_epochs``
    (1-based, optional) marks the epoch whose weights early stopping kept.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, key in zip(axes, (metric, "loss")):
        for i, (name, hist) in enumerate(histories.items()):
            color = f"C{i}"
            epochs = range(1, len(hist[key]) + 1)
            ax.plot(epochs, hist[key], linestyle="--", color=color, alpha=0.7)
            ax.plot(epochs, hist["val_" + key], marker="o", color=color, label=name)
            if best_epochs and name in best_epochs:
                b = best_epochs[name]
                ax.plot([b], [hist["val_" + key][b - 1]], marker="*", markersize=14, color=color)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(f"{key}: validation (solid), training (dashed)")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def confusion_matrix(counts, labels=("negative", "positive"), title: str = ""):
    """A 2x2 (or n x n) confusion matrix: rows are the true labels, columns the predictions."""
    import matplotlib.pyplot as plt
    import numpy as np

    counts = np.asarray(counts)
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.imshow(counts, cmap="Blues")
    total = counts.sum()
    for (r, c), n in np.ndenumerate(counts):
        ax.text(c, r, f"{n:,}\n({n / total:.1%})", ha="center", va="center",
                color="white" if n > counts.max() / 2 else "black")
    ax.set_xticks(range(len(labels)), [f"predicted\n{l}" for l in labels])
    ax.set_yticks(range(len(labels)), [f"true {l}" for l in labels])
    ax.set_title(title)
    fig.tight_layout()
    return fig


def accuracy_bars(names, accuracies, references: dict | None = None, title: str = "test accuracy"):
    """Horizontal bars of accuracy per model, with dotted reference lines (name -> value)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.5 * len(names) + 1.5))
    bars = ax.barh(list(names), list(accuracies), color="C0")
    for bar, acc in zip(bars, accuracies):
        ax.text(bar.get_width() + 0.005, bar.get_y() + bar.get_height() / 2, f"{acc:.3f}", va="center")
    for i, (name, value) in enumerate((references or {}).items()):
        ax.axvline(value, color=f"C{i + 1}", linestyle=":", label=f"{name}: {value:.3f}")
    ax.set_xlim(0.5, 1.0)
    ax.invert_yaxis()
    ax.set_xlabel("accuracy")
    ax.set_title(title)
    if references:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
