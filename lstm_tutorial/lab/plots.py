"""Every figure notebooks 00 to 05 show, one function each (plain arrays/dicts in, a new ``Figure`` out),
so all notebooks look alike; :func:`savefig` writes one to ``figures/<name>.png`` (git-ignored)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import MaxNLocator

from ..io import paths


def savefig(fig, name: str, dpi: int = 110) -> Path:
    """Save ``fig`` as ``figures/<name>.png`` and return the path."""
    folder = paths.output_dir("figures")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def _finish(fig, ax=None, *, xlabel=None, ylabel=None, title=None, legend=None, grid=False):
    """Label ``ax`` (a legend: its font size or keyword dict) and tighten ``fig``: how every figure ends."""
    if ax is not None:
        for setter, value in ((ax.set_xlabel, xlabel), (ax.set_ylabel, ylabel), (ax.set_title, title)):
            if value is not None:
                setter(value)
        if legend is not None:
            ax.legend(**(legend if isinstance(legend, dict) else {"fontsize": legend}))
        if grid:
            ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


# --- Notebook 00: the data ---------------------------------------------------------------

def review_lengths(lengths_by_label: dict, cutoffs=(), unit: str = "tokens"):
    """Histogram of review lengths per label (log bins); each cut-off line shows the share truncated there."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    every = np.concatenate([np.asarray(v) for v in lengths_by_label.values()])
    bins = np.geomspace(max(1, every.min()), every.max() + 1, 50)
    for name, lengths in lengths_by_label.items():
        ax.hist(lengths, bins=bins, alpha=0.55, label=name)
    for cutoff in cutoffs:
        share = float(np.mean(every > cutoff))
        ax.axvline(cutoff, color="black", linestyle="--", linewidth=1)
        # written along the line, so labels of nearby cut-offs cannot run into each other
        ax.text(cutoff, ax.get_ylim()[1] * 0.97, f"{cutoff}: {share:.0%} truncated ", rotation=90,
                ha="right", va="top", fontsize=9, bbox=dict(facecolor="white", alpha=0.8, edgecolor="none", pad=1))
    ax.set_xscale("log")
    # the short-review side is empty; the cut-off labels are on the right
    return _finish(fig, ax, xlabel=f"review length ({unit}, log scale)", ylabel="reviews", legend={"loc": "upper left"})


def vocabulary_coverage(sizes, coverages):
    """Share of test-set tokens that a training vocabulary of each size knows."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(sizes, coverages, marker="o")
    ax.set_xscale("log")
    ax.set_ylim(min(coverages) - 0.02, 1.0)
    return _finish(fig, ax, xlabel="vocabulary size (most frequent training tokens)", ylabel="test tokens covered",
                   grid=True)


# --- Notebook 02: the LSTM gate by gate ---------------------------------------------------

_GATE_LABELS = {"f": "forget gate f_t", "i": "input gate i_t", "o": "output gate o_t", "c": "cell state c_t"}


def gate_heatmaps(trace: dict, tokens, title: str = ""):
    """Heatmaps of f, i, o and c (rows: units, columns: tokens) from ``GatedLSTM.trace``; each gate coloured over
    its panel's values, the cell state on a diverging scale centred on 0."""
    tokens = list(tokens)
    fig, axes = plt.subplots(4, 1, figsize=(max(6, 0.55 * len(tokens) + 2), 2.1 * 4), sharex=True)
    for ax, (name, label) in zip(axes, _GATE_LABELS.items()):
        values = np.asarray(trace[name])[: len(tokens)].T
        lim = float(np.abs(values).max()) or 1.0
        lo, hi, cmap = (-lim, lim, "RdBu_r") if name == "c" else (float(values.min()), float(values.max()), "viridis")
        im = ax.imshow(values, aspect="auto", cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_ylabel(f"{label}\nunit", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01)
    axes[-1].set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
    if title:
        axes[0].set_title(title)
    return _finish(fig)


def prediction_per_token(tokens, probabilities, title: str = ""):
    """The classifier's P(positive) read after each token (the prefix up to it)."""
    tokens = list(tokens)
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(tokens) + 2), 2.4))
    ax.plot(range(len(tokens)), probabilities[: len(tokens)], marker="o")
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1)
    ax.set_xticks(range(len(tokens)), tokens, rotation=45, ha="right")
    return _finish(fig, ax, ylabel="P(positive)", title=title, grid=True)


def step_times(rows, title: str = "training step time"):
    """Horizontal bars of median step time (ms); ``rows`` is a list of (label, seconds)."""
    ms = [1000 * r[1] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    bars = ax.barh(range(len(rows)), ms, color="tab:blue")
    for bar, value in zip(bars, ms):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.0f} ms", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, max(ms) * 1.2)
    return _finish(fig, ax, xlabel="median time per training step (ms, CPU)", title=title)


# --- Notebook 03: a Bidirectional LSTM on IMDB ---------------------------------------------

def learning_curves(histories: dict, metric: str = "accuracy", best_epochs: dict | None = None):
    """Training (dashed) and validation (solid) ``metric`` and loss per epoch of each model's ``history.history``;
    a star marks the epoch (1-based, in ``best_epochs``) whose weights early stopping kept."""
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
        _finish(fig, ax, xlabel="epoch", ylabel=key, title=f"{key}: validation (solid), training (dashed)", grid=True)
    axes[0].legend(fontsize=8)
    return _finish(fig)


def confusion_heatmap(counts, labels=("negative", "positive"), title: str = ""):
    """Confusion counts (``sklearn.metrics.confusion_matrix``) as a heat map: rows true labels, columns predictions."""
    counts = np.asarray(counts)
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.imshow(counts, cmap="Blues")
    total = counts.sum()
    for (r, c), n in np.ndenumerate(counts):
        ax.text(c, r, f"{n:,}\n({n / total:.1%})", ha="center", va="center",
                color="white" if n > counts.max() / 2 else "black")
    ax.set_xticks(range(len(labels)), [f"predicted\n{l}" for l in labels])
    ax.set_yticks(range(len(labels)), [f"true {l}" for l in labels])
    return _finish(fig, ax, title=title)


def blend_weight_curve(chosen: dict, title: str = "validation log loss of the blend"):
    """Validation log loss against the recurrent model's weight in the blend (``baseline.choose_blend_weight``)."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(chosen["weights"], chosen["log_losses"], marker="o", markersize=3)
    ax.axvline(chosen["weight"], color="C1", linestyle=":", label=f"chosen: {chosen['weight']:.2f}")
    return _finish(fig, ax, xlabel="weight of the recurrent model (0 = linear only, 1 = recurrent only)",
                   ylabel="log loss", title=title, legend=8)


# --- Notebook 01: gradients ---------------------------------------------------------------

def products_and_derivatives(factors=(0.9, 1.1), max_steps: int = 1000):
    """Left: ``a**T`` in float32 against T, with float32's range (outside it, 0 or inf, not drawn).
    Right: sigmoid and tanh and their derivatives (at most 0.25 and 1)."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.8))
    steps, info = np.arange(0, max_steps + 1), np.finfo(np.float32)
    for a in factors:
        with np.errstate(over="ignore", under="ignore"):
            # the exact value a**T (float64 has room) rounded to the nearest float32
            prod = (float(a) ** steps.astype(np.float64)).astype(np.float32).astype(np.float64)
        ok = np.isfinite(prod) & (prod > 0)
        ax.plot(steps[ok], prod[ok], label=f"{a:g}^T (float32)")
    for value, ls, text in ((info.max, "--", "largest float32"), (info.tiny, ":", "smallest normal float32"),
                            (info.smallest_subnormal, "-.", "smallest subnormal")):
        ax.axhline(float(value), color="grey", ls=ls, lw=1)
        ax.text(0, float(value) * 3, text, fontsize=8, va="bottom")
    ax.set_yscale("log")
    _finish(fig, ax, xlabel="number of factors T", ylabel="product", title="A product of T equal factors",
            legend={"loc": "center right", "fontsize": 8})
    z = np.linspace(-6, 6, 401)
    sig = 1 / (1 + np.exp(-z))
    bx.plot(z, sig, color="C0", label="sigma(z)")
    bx.plot(z, sig * (1 - sig), color="C0", ls="--", label="sigma'(z), max 0.25")
    bx.plot(z, np.tanh(z), color="C3", label="tanh(z)")
    bx.plot(z, 1 - np.tanh(z) ** 2, color="C3", ls="--", label="tanh'(z), max 1")
    bx.axhline(0, color="black", lw=0.5)
    return _finish(fig, bx, xlabel="z", title="Activations and their derivatives", legend=8)


def gradient_norms_by_step(curves: dict, title: str = "", ax=None):
    """Per-step gradient norms (``gradients.gradient_norms``), log scale, each curve divided by its last step's
    norm (step 0 shows the first/last ratio). Exact zeros (float32 underflow): an x at the bottom."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    fig = ax.figure
    for i, (label, norms) in enumerate(curves.items()):
        norms = np.asarray(norms, dtype=np.float64)
        if norms[-1] > 0:
            norms = norms / norms[-1]
        steps = np.arange(norms.size)
        ok = norms > 0
        ax.plot(steps[ok], norms[ok], label=label, color=f"C{i}")
        if (~ok).any():
            low = norms[ok].min() if ok.any() else 1e-30
            ax.plot(steps[~ok], np.full((~ok).sum(), low), "x", color=f"C{i}", ms=3)
    ax.set_yscale("log")
    ax.set_ylabel("||dL / d x_t|| / last step's  (L: the probed loss)", fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    return _finish(fig, ax, xlabel="time step t (the output is read after the last step)", title=title, legend=8)


def gradient_norms_init_vs_trained(at_init: dict, trained: dict, title_init: str = "at initialisation",
                                   title_trained: str = "after training"):
    """Two :func:`gradient_norms_by_step` panels side by side, sharing the y axis."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    gradient_norms_by_step(at_init, title_init, ax=axes[0])
    gradient_norms_by_step(trained, title_trained, ax=axes[1])
    return _finish(fig)


def lstm_gate_values(gates: dict, title: str = "", n_units: int = 4):
    """A trained LSTM's gates on the recall task. Left: histogram of 1 - f_t (share forgotten per step, log
    scale) on distractor steps. Right: i_t per step for the ``n_units`` units opening most at step 0; dashed: mean."""
    f = np.asarray(gates["f"])
    i = np.asarray(gates["i"]).mean(axis=0)  # (T, units)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.6))
    forgotten = np.clip(1.0 - f[:, 1:].ravel(), 1e-6, 1.0)  # share of the cell lost per step
    ax.hist(forgotten, bins=np.logspace(-6, 0, 49), weights=np.full(forgotten.size, 1.0 / max(forgotten.size, 1)),
            color="C2")
    ax.set_xscale("log")
    _finish(fig, ax, xlabel="1 - f_t on distractor steps (share of the cell forgotten per step)",
            ylabel="fraction of (sequence, step, unit) values", title="Forget-gate values the trained LSTM uses")
    opening = i[0] - i[1:].mean(axis=0)
    steps, units = np.arange(i.shape[0]), np.argsort(opening)[::-1][:n_units]
    for k, unit in enumerate(units):
        bx.plot(steps, i[:, unit], color=f"C{k}", lw=1, label=f"unit {unit}")
    bx.plot(steps, i.mean(axis=1), color="black", ls="--", lw=1, label="mean of all units")
    # The axis ends just above the highest value drawn, not at 1: on a 0-1 axis a step-0 spike
    # from 0.07 to 0.2 is a few pixels high, and the spike is the lesson.
    top = max(float(i[:, units].max()), float(i.mean(axis=1).max()))
    bx.set_ylim(0, min(1.0, 1.15 * top) if top > 0 else 1.0)
    if title:
        fig.suptitle(title)
    return _finish(fig, bx, xlabel="time step t (step 0 carries the flagged symbol)",
                   ylabel="input gate i_t (mean over sequences)", title="When the trained LSTM writes to its cell",
                   legend=8)


def accuracy_vs_gap(summary: list, chance: float | None = None, title: str = ""):
    """Mean test accuracy against the gap T per model (a line through the means, every seed a dot, chance dashed).

    No ± std bars: with seeds split between solved and failed, mean ± std runs past 0 or 1. Models are
    nudged sideways so equal points do not hide each other; the legend sits outside the axes.
    """
    fig, ax = plt.subplots(figsize=(9.5, 4.4))
    names = list(dict.fromkeys(s["model"] for s in summary))
    for k, name in enumerate(names):
        rows = sorted((s for s in summary if s["model"] == name), key=lambda s: s["gap"])
        nudge = 1.0 + 0.035 * (k - (len(names) - 1) / 2)
        gaps = np.array([s["gap"] for s in rows], dtype=float) * nudge
        ax.plot(gaps, [s["mean"] for s in rows], marker="D", ms=5, lw=1.2, color=f"C{k}",
                label=f"{name} (mean of {rows[0]['n']} seeds; dots: each seed)")
        for g, s in zip(gaps, rows):
            ax.plot([g] * len(s["accuracies"]), s["accuracies"], "o", ms=4, mfc="none", color=f"C{k}", alpha=0.7)
    if chance is not None:
        ax.axhline(chance, color="grey", ls="--", lw=1, label=f"chance ({chance:.3f})")
    ax.set_xscale("log")
    all_gaps = sorted({s["gap"] for s in summary})
    ax.set_xticks(all_gaps, [str(g) for g in all_gaps])
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xlim(min(all_gaps) / 1.25, max(all_gaps) * 1.25)
    ax.set_ylim(0, 1.05)
    return _finish(fig, ax, xlabel="gap T (distractor steps between the symbol and the answer)",
                   ylabel="test accuracy", title=title, grid=True,
                   legend={"fontsize": 8, "loc": "center left", "bbox_to_anchor": (1.01, 0.5)})


def _arrow(ax, points, color="black", lw=1.6, head=True):
    """A polyline through ``points``; the last segment ends in an arrow head."""
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        last = (x1, y1) == points[-1]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>" if (head and last) else "-",
                                     mutation_scale=12, color=color, lw=lw, shrinkA=0, shrinkB=0))


def _node(ax, x, y, text):
    """A round operation node (x or +)."""
    ax.add_patch(Circle((x, y), 0.3, fc="white", ec="black", lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=4)


def _box(ax, x, y, width, height, act, name=None, color="#e7f7e2"):
    """A rounded box with an activation (and a gate name under it)."""
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                fc=color, ec="black", lw=1.0, zorder=3))
    ax.text(x, y + (0.15 if name else 0.0), act, ha="center", va="center", fontsize=10, zorder=4)
    if name:
        ax.text(x, y - 0.2, name, ha="center", va="center", fontsize=11, zorder=4)


def lstm_cell_diagram(title: str = "One LSTM step"):
    """The LSTM cell drawn from the equations (notation of DESIGN.md), no image files."""
    fig, ax = plt.subplots(figsize=(9.5, 5.6))
    ax.set_xlim(-0.4, 12.6)
    ax.set_ylim(-0.3, 7.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(FancyBboxPatch((1.4, 0.7), 9.2, 5.6, boxstyle="round,pad=0.1", fc="#f4f6fb", ec="#7a869a"))
    # rows: the cell state (the conveyor belt), the input bus [h_{t-1}, x_t], the gates, the write;
    # columns: f, i, g, o and the output's tanh (tx)
    belt, bus, gates_y, write_y = 5.5, 1.2, 2.4, 4.0
    fx, ix, gx, ox, tx, hy = 3.0, 5.0, 6.6, 8.4, 9.6, 2.4
    for start, end in ((0.0, fx - 0.3), (fx + 0.3, gx - 0.3), (gx + 0.3, 12.2)):
        _arrow(ax, [(start, belt), (end, belt)], color="C0", lw=2.4)
    ax.text(-0.1, belt + 0.3, r"$c_{t-1}$", fontsize=13, color="C0")
    ax.text(11.6, belt + 0.3, r"$c_t$", fontsize=13, color="C0")
    _node(ax, fx, belt, r"$\times$")
    _node(ax, gx, belt, "+")
    _arrow(ax, [(0.0, bus), (ox, bus)], head=False)
    ax.text(-0.1, bus + 0.25, r"$h_{t-1}$", fontsize=13)
    _arrow(ax, [(2.0, -0.2), (2.0, bus)], head=False)
    ax.text(2.15, -0.15, r"$x_t$", fontsize=13)
    for x, act, name, color in ((fx, r"$\sigma$", r"$f_t$", "#fde2e2"), (ix, r"$\sigma$", r"$i_t$", "#e2f0fd"),
                                (gx, r"$\tanh$", r"$g_t$", "#e7f7e2"), (ox, r"$\sigma$", r"$o_t$", "#fdf3e2")):
        _arrow(ax, [(x, bus), (x, gates_y - 0.5)])
        _box(ax, x, gates_y, 1.1, 0.9, act, name, color)
    # forget (f_t times c_{t-1}), write (i_t g_t added), show (h_t = o_t tanh(c_t))
    _arrow(ax, [(fx, gates_y + 0.5), (fx, belt - 0.3)])
    _node(ax, gx, write_y, r"$\times$")
    _arrow(ax, [(ix, gates_y + 0.5), (ix, write_y), (gx - 0.3, write_y)])
    _arrow(ax, [(gx, gates_y + 0.5), (gx, write_y - 0.3)])
    _arrow(ax, [(gx, write_y + 0.3), (gx, belt - 0.3)])
    _arrow(ax, [(tx, belt), (tx, 4.35)])
    _box(ax, tx, 4.0, 0.9, 0.5, r"$\tanh$")
    _arrow(ax, [(tx, 3.7), (tx, hy + 0.3)])
    _node(ax, tx, hy, r"$\times$")
    _arrow(ax, [(ox + 0.55, hy), (tx - 0.3, hy)])
    _arrow(ax, [(tx + 0.3, hy), (12.2, hy)], color="C3", lw=2.2)
    ax.text(11.4, hy + 0.25, r"$h_t$", fontsize=13, color="C3")
    ax.text(fx - 0.3, belt + 0.55, "forget: keep $f_t$ of each cell value", fontsize=9, ha="left")
    ax.text(gx + 0.35, write_y + 0.2, "write: $i_t \\odot g_t$", fontsize=9)
    ax.text(tx + 0.15, 3.1, "show: $o_t \\odot \\tanh(c_t)$", fontsize=9, ha="left", va="top")
    ax.text(ix + 0.8, bus - 0.45, "all four read $[h_{t-1}, x_t]$: $W_\\ast x_t + U_\\ast h_{t-1} + b_\\ast$",
            fontsize=9, ha="center")
    return _finish(fig, ax, title=title)


def clipping_runs(losses: dict, title: str = ""):
    """Training loss of the clipping runs. Left: every run, log scale; a run whose loss turns NaN or inf is marked
    with an x at the top. Right: the runs that stayed finite, linear scale."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11.5, 3.9))
    finite_any = [np.asarray(v, float)[np.isfinite(v)] for v in losses.values()]
    top = max((v.max() for v in finite_any if v.size), default=1.0)
    for k, (label, values) in enumerate(losses.items()):
        values = np.asarray(values, dtype=np.float64)
        steps = np.arange(1, values.size + 1)
        ok = np.isfinite(values)
        style = dict(color=f"C{k}", lw=1.6, ls=("-", "--", ":")[k % 3])
        ax.plot(steps[ok], values[ok], label=label, **style)
        if (~ok).any():
            first = int(steps[~ok][0])
            ax.plot([first], [top], "x", color=f"C{k}", ms=10, mew=2)
            ax.annotate(f"{label}: loss {values[~ok][0]} from step {first}", (first, top), xytext=(10, -2),
                        textcoords="offset points", color=f"C{k}", fontsize=8, ha="left", va="top")
        else:
            bx.plot(steps, values, label=label, **style)
    ax.set_yscale("log")
    for a in (ax, bx):
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    _finish(fig, ax, xlabel="SGD step", ylabel="training loss", title="all runs (log scale)", grid=True,
            legend={"fontsize": 8, "loc": "lower left"})
    return _finish(fig, bx, xlabel="SGD step", title="runs that stayed finite (linear scale)", grid=True,
                   legend={"fontsize": 8, "loc": "upper right"})


# --- Notebook 04: the language model -----------------------------------------------------

def shaded_text(text: str, values, title: str = "", width: int = 80, cmap: str = "RdBu_r"):
    """``text`` character by character on a background coloured by ``values`` (one per character), symmetric
    around 0 (blue negative, red positive), as in Karpathy, Johnson & Fei-Fei (2015)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) != len(text):
        raise ValueError(f"{len(text)} characters but {len(values)} values")
    rows = int(np.ceil(len(text) / width)) or 1
    grid = np.full((rows, width), np.nan)
    grid.flat[:len(values)] = values
    lim = np.nanmax(np.abs(values)) or 1.0
    fig, ax = plt.subplots(figsize=(width * 0.12, rows * 0.3 + 0.5))
    ax.imshow(grid, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    for k, ch in enumerate(text):
        ax.text(k % width, k // width, "·" if ch == " " else ch, ha="center", va="center", fontsize=8,
                family="monospace")
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(title, fontsize=9, loc="left")
    return _finish(fig)


def accuracy_vs_labels(table: dict, title: str = "test accuracy against labelled reviews"):
    """``table`` maps a method to ``{n_labels: [accuracy per seed]}``: one dot per seed, a line through the means.

    Not min-max bars: the seeds are paired (one labelled subset each, shared by every method), so
    overlapping bars could still differ for certain; the paired differences are the table's business.
    """
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, (label, by_n) in enumerate(table.items()):
        ns = sorted(by_n)
        shift = 1 + 0.04 * (i - (len(table) - 1) / 2)   # side by side on the log axis
        for n in ns:
            ax.plot([n * shift] * len(by_n[n]), by_n[n], "o", ms=3.5, alpha=0.6, color=f"C{i}")
        ax.plot([n * shift for n in ns], [np.mean(by_n[n]) for n in ns], "-", color=f"C{i}", label=label)
    ax.set_xscale("log")
    sizes = sorted({n for by_n in table.values() for n in by_n})
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes]), ax.minorticks_off()
    return _finish(fig, ax, xlabel="labelled training reviews (log scale)",
                   ylabel="test accuracy (one dot per seed)", title=title, legend=8, grid=True)


def context_curves(curves: dict, full: dict, unigram: float, title: str = ""):
    """Bits per character against the characters of context k (log x): ``curves`` maps a model to ``{k: bits}``
    (a label ending in ``", zero start"``: the same model from zero states, dotted in its colour); ``full``: each
    model's bits with the full state (dashed); ``unigram``: the bits of character frequencies."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    colours = {}
    for label, by_k in curves.items():
        base = label.removesuffix(", zero start")
        colour = colours.setdefault(base, f"C{len(colours)}")
        ks = sorted(by_k)
        ax.plot(ks, [by_k[k] for k in ks], "o:" if base != label else "o-", ms=3, color=colour, label=label)
        if base == label:
            ax.axhline(full[label], color=colour, ls="--", lw=1)
    ax.axhline(unigram, color="grey", ls="-.", lw=1, label="character frequencies")
    ax.plot([], [], "k--", lw=1, label="dashed: same model, full state")
    ax.set_xscale("log", base=2)
    return _finish(fig, ax, xlabel="k: characters the model reads before the one it predicts",
                   ylabel="validation bits/char", title=title, legend=8, grid=True)


# --- Notebook 03: the readout grid, the article's set-up, length buckets, contributions ----

def grid_readout(summary: dict, layers, names: dict, title: str = "test accuracy, mean ± std over seeds"):
    """Grouped bars per layer, last hidden state vs pooling (``readout_grid.summarise``); seeds as dots."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    width = 0.38
    for j, readout in enumerate(("last", "pool")):
        xs = np.arange(len(layers)) + (j - 0.5) * width
        cells = [summary[f"grid/{layer}/{readout}/words/stop"] for layer in layers]
        label = "last hidden state" if readout == "last" else "max+mean pooling"
        ax.bar(xs, [c["mean"] for c in cells], width, yerr=[c["std"] for c in cells], capsize=4,
               color=f"C{j}", alpha=0.75, label=label)
        for x, c in zip(xs, cells):
            ax.plot([x] * len(c["values"]), c["values"], "k.", markersize=5)
    ax.set_xticks(np.arange(len(layers)), [names[layer] for layer in layers])
    ax.set_ylim(0.45, 1.0)
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    return _finish(fig, ax, ylabel="test accuracy", title=title, legend={"loc": "upper left", "fontsize": 8})


def article_chain(steps, values: dict, reported: dict | None = None,
                  title: str = "from the article's set-up to ours, one choice at a time"):
    """Accuracy per step of a chain of set-ups: ``values`` maps a model to ``(mean, std)`` per step,
    ``reported`` to the article's figure (dotted)."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    xs = np.arange(len(steps))
    for i, (name, pts) in enumerate(values.items()):
        means = [m for m, _ in pts]
        ax.errorbar(xs + 0.04 * i, means, yerr=[s for _, s in pts], marker="o", capsize=4, color=f"C{i}", label=name)
        if reported and name in reported:
            ax.axhline(reported[name], color=f"C{i}", linestyle=":", label=f"{name}, article's figure")
    ax.set_xticks(xs, steps)
    ax.set_ylim(0.45, 1.0)
    ax.axhline(0.5, color="grey", linewidth=0.8)
    return _finish(fig, ax, ylabel="test accuracy", title=title, legend={"fontsize": 8, "loc": "upper left"})


def accuracy_by_length(buckets: dict, title: str = "accuracy by review length (last hidden state)"):
    """Accuracy per length bucket, one line per model (``readout_grid.bucket_accuracy`` output)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for i, (name, rows) in enumerate(buckets.items()):
        ax.errorbar(np.arange(len(rows)) + 0.05 * i, [r["mean"] for r in rows], yerr=[r["std"] for r in rows],
                    marker="o", capsize=3, color=f"C{i}", label=name)
    labels = [(f"{r['lo'] + 1}–{r['hi']}" if r["hi"] < 10**8 else f"> {r['lo']}") + f"\n(n={r['n']})" for r in rows]
    ax.set_xticks(np.arange(len(labels)), labels)
    return _finish(fig, ax, xlabel="tokens in the review (before truncation)", ylabel="test accuracy", title=title,
                   grid=True, legend=8)


def token_contributions(rows, title: str = ""):
    """Bars of each token's contribution (change in P(positive) when it is removed)."""
    tokens = [r.token for r in rows]
    values = [r.contribution for r in rows]
    fig, ax = plt.subplots(figsize=(max(4.5, 0.6 * len(tokens) + 1.5), 2.8))
    ax.bar(range(len(tokens)), values, color=["C2" if v > 0 else "C3" for v in values])
    ax.set_xticks(range(len(tokens)), tokens, rotation=0)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_title(title, fontsize=10)
    return _finish(fig, ax, ylabel="Δ P(positive)")


# --- Notebook 05: forecasting ------------------------------------------------------------

def forecast_week(times, truth, forecasts: dict, unit: str, title: str = ""):
    """The truth and each named forecast over the same stretch of time (e.g. a test week)."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.plot(times, truth, color="black", linewidth=1.6, label="truth")
    for (name, values), style in zip(forecasts.items(), ("-", "--", ":", "-.")):
        ax.plot(times, values, linestyle=style, linewidth=1.1, label=name)
    fig.autofmt_xdate()
    return _finish(fig, ax, ylabel=unit, title=title, legend={"loc": "upper right", "fontsize": 9})


def lag_correlation(curves: dict, step: str = "step", title: str = "when does the forecast move?"):
    """Correlation of the forecast's changes with the truth's changes k steps earlier."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    # distinct markers and dashes: two forecasts with near-equal curves stay visible
    for (name, by_lag), style in zip(curves.items(), ("o-", "s--", "^:", "d-.")):
        lags = sorted(by_lag)
        ax.plot(lags, [by_lag[k] for k in lags], style, markerfacecolor="none", label=name)
    ax.axvline(0, color="grey", linewidth=0.8)
    return _finish(fig, ax, xlabel=f"k: forecast compared with the truth k {step}s earlier",
                   ylabel="correlation of changes", title=title, legend=9)


def error_by_horizon(hours, curves: dict, unit: str, title: str = "test MAE against how far ahead"):
    """MAE of each method against the hours ahead (log axis: a baseline ten times worse does not squash the rest)."""
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    for (name, maes), marker, dash in zip(curves.items(), "os^dvx", ("-", "--", "-.", ":", "-", "--")):
        ax.plot(hours, maes, marker=marker, markersize=3, linestyle=dash, label=name)
    ax.set_yscale("log")
    return _finish(fig, ax, xlabel="hours ahead", ylabel=f"MAE ({unit}, log scale)",
                   title=title, legend={"fontsize": 8, "loc": "upper left", "bbox_to_anchor": (1.01, 1)})


def model_comparison(rows: dict, unit: str, title: str = "test MAE (mean ± std over seeds)"):
    """Horizontal bars: ``{name: (mean, std)}``, lowest error at the top."""
    names = sorted(rows, key=lambda n: rows[n][0])
    fig, ax = plt.subplots(figsize=(7, 0.42 * len(names) + 1.2))
    ax.barh(range(len(names)), [rows[n][0] for n in names], xerr=[rows[n][1] for n in names],
            color="#4c72b0", alpha=0.8, capsize=3)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    return _finish(fig, ax, xlabel=f"MAE ({unit})", title=title)
