"""The figures of notebook 01 draw what they say, without image files."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from lstm_tutorial.lab import plots  # noqa: E402


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_lstm_cell_diagram_names_both_states_and_four_gates():
    fig = plots.lstm_cell_diagram()
    text = _texts(fig)
    for label in ("$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$"):
        assert label in text, label


def test_clipping_runs_marks_a_diverged_run_and_keeps_integer_ticks():
    losses = {"no clipping": [118.0, 1e12, np.inf, np.nan], "clipnorm=1": [118.0, 60.0, 20.0, 5.0],
              "global_clipnorm=1": [118.0, 90.0, 40.0, 9.0]}
    fig = plots.clipping_runs(losses)
    left, right = fig.axes
    assert "from step 3" in _texts(fig)
    assert len(right.lines) == 2                          # only the finite runs on the linear panel
    fig.canvas.draw()
    ticks = [t for t in left.get_xticks() if left.get_xlim()[0] <= t <= left.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks)


def test_accuracy_vs_gap_legend_outside_the_axes():
    summary = [{"model": m, "gap": g, "n": 2, "mean": 0.5, "std": 0.1, "min": 0.4, "max": 0.6,
                "accuracies": [0.4, 0.6]} for m in ("a", "b") for g in (20, 50)]
    fig = plots.accuracy_vs_gap(summary, chance=0.125)
    fig.canvas.draw()
    ax = fig.axes[0]
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1 - 1


def _y_extent(ax):
    """The lowest and highest y of everything drawn on ``ax``: lines and error-bar segments."""
    ys = [np.asarray(line.get_ydata(), float) for line in ax.lines]
    ys += [np.asarray(seg)[:, 1] for coll in ax.collections if hasattr(coll, "get_segments")
           for seg in coll.get_segments() if len(seg)]
    ys = np.concatenate([y[np.isfinite(y)] for y in ys if y.size])
    return ys.min(), ys.max()


def test_accuracy_vs_gap_draws_nothing_outside_0_1_and_every_seed():
    # seeds split between solved and failed: mean +- std would run past 1 and below 0
    summary = [{"model": "split", "gap": g, "n": 3, "mean": float(np.mean(acc)), "std": float(np.std(acc, ddof=1)),
                "min": min(acc), "max": max(acc), "accuracies": acc}
               for g, acc in ((20, [0.2, 1.0, 1.0]), (50, [0.12, 0.13, 0.99]))]
    fig = plots.accuracy_vs_gap(summary, chance=0.125)
    ax = fig.axes[0]
    low, high = _y_extent(ax)
    assert 0.0 <= low and high <= 1.0
    dots = [y for line in ax.lines if line.get_marker() == "o" for y in line.get_ydata()]
    assert sorted(dots) == sorted(a for s in summary for a in s["accuracies"])


def test_lstm_gate_values_shows_the_step0_spike_at_a_glance():
    rng = np.random.default_rng(0)
    i = np.full((16, 101, 8), 0.07) + rng.normal(0, 0.003, (16, 101, 8))
    i[:, 0, :3] = 0.22                                  # three units write at the flagged step
    gates = {"f": np.full((16, 101, 8), 0.99), "i": i}
    fig = plots.lstm_gate_values(gates)
    bx = fig.axes[1]
    y0, y1 = bx.get_ylim()
    spike, rest = i.mean(axis=0)[0].max(), i.mean(axis=0)[1:].mean()
    assert (spike - y0) / (y1 - y0) > 0.6                # the spike fills most of the panel
    assert (spike - rest) / (y1 - y0) > 0.4              # and stands well above the distractor level
