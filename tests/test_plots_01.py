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
