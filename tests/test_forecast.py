"""The forecasting protocol of notebook 05: windows, splits, normalisation, baselines.

The three leakage tests are the ones the notebook names: a window's target is the value
``horizon`` rows after its last input (``delay`` rows after its first); no validation or
test row is in any training window; the scaler sees training rows only.
"""
import numpy as np
import pytest

from conftest import write_jena_csv
from lstm_tutorial.lab import forecast as F
from lstm_tutorial.io.errors import UsageError

SMALL = F.Protocol(sequence_length=5, sampling_rate=3, horizon=4)


def index_series(n=400, features=2) -> F.Series:
    """Every value is its own row number: a window shows exactly which rows it read."""
    values = np.repeat(np.arange(n, dtype=np.float32)[:, None], features, axis=1)
    times = np.datetime64("2000-01-01") + np.arange(n) * np.timedelta64(30, "m")
    return F.Series("rows", values, ("a", "b")[:features], 0, "rows", 30, times, "test")


@pytest.mark.parametrize("protocol", [SMALL, F.Protocol(24, 1, 1), F.Protocol(10, 6, 12)])
@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_a_windows_target_is_horizon_rows_after_its_last_input(protocol, split):
    import keras

    series = index_series()
    rows = series.target_values
    starts = F.window_starts(len(rows), protocol, split)
    # the book's windows, from Keras: start_index/end_index bound the starts through the inputs they need
    batches = list(keras.utils.timeseries_dataset_from_array(
        series.values, targets=rows[protocol.delay:], sequence_length=protocol.sequence_length,
        sampling_rate=protocol.sampling_rate, batch_size=1000,
        start_index=int(starts[0]), end_index=int(starts[-1] + protocol.span)))
    x = np.concatenate([np.asarray(b[0]) for b in batches])
    y = np.concatenate([np.asarray(b[1]) for b in batches])
    assert len(x) == len(starts) and np.array_equal(x[:, 0, 0], starts)       # same windows, same order
    assert np.array_equal(x[:, 1, 0] - x[:, 0, 0], np.full(len(x), protocol.sampling_rate))
    last = x[:, -1, 0]
    assert np.array_equal(y - last, np.full(len(y), protocol.horizon))          # horizon after the last input
    assert np.array_equal(y - x[:, 0, 0], np.full(len(y), protocol.delay))       # the book's delay after the first
    assert np.array_equal(F.window_arrays(series.values, starts, protocol), x)


@pytest.mark.parametrize("protocol", [SMALL, F.Protocol(24, 1, 1), F.DLWP_JENA])
def test_no_validation_or_test_row_in_any_training_window(protocol):
    n = 8_000
    train_end, val_end = F.split_bounds(n, protocol)
    for split, (lo, hi) in {"train": (0, train_end), "val": (train_end, val_end), "test": (val_end, n)}.items():
        starts = F.window_starts(n, protocol, split)
        first_row, target = starts.min(), F.target_rows(starts, protocol).max()
        assert lo <= first_row and target < hi, split           # inputs and target inside the split
    # the windows reach the end of their split: nothing is thrown away needlessly
    assert F.target_rows(F.window_starts(n, protocol, "train"), protocol).max() == train_end - 1


def test_the_books_windows_let_the_last_training_targets_reach_into_validation():
    n = 8_000
    train_end, _ = F.split_bounds(n, F.DLWP_JENA)
    exact = F.window_starts(n, F.DLWP_JENA, "train", dlwp_exact=True)
    assert exact.max() + F.DLWP_JENA.span == train_end                            # inputs stop at the split
    assert F.target_rows(exact, F.DLWP_JENA).max() == train_end - 1 + F.DLWP_JENA.horizon
    strict = F.window_starts(n, F.DLWP_JENA, "train")
    assert len(exact) - len(strict) == F.DLWP_JENA.horizon


def test_the_scaler_sees_training_rows_only():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(1_000, 3)).astype(np.float32)
    train_end, _ = F.split_bounds(len(values), SMALL)
    a = F.fit_scaler(values, SMALL)
    future = values.copy()
    future[train_end:] = 1e6                                  # the future changes completely
    b = F.fit_scaler(future, SMALL)
    assert np.array_equal(a.mean_, b.mean_) and np.array_equal(a.scale_, b.scale_)
    past = values.copy()
    past[train_end - 1] += 50                                 # one training row changes
    assert not np.allclose(F.fit_scaler(past, SMALL).mean_, a.mean_)
    assert np.allclose(a.mean_, values[:train_end].mean(axis=0), atol=1e-6)
    assert np.allclose(a.scale_, values[:train_end].std(axis=0), atol=1e-6)


def test_persistence_is_computed_the_books_way_on_a_jena_layout_file(tmp_path, monkeypatch):
    """The book's own arithmetic, written out: iterate over its datasets, de-normalise the
    last input's temperature, average the absolute errors. Our function must agree."""
    import keras

    from lstm_tutorial.io import datasets, paths

    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))   # the parsed-CSV cache goes here
    monkeypatch.setattr(datasets, "JENA_MIN_ROWS", 1_000)          # the real file has 420,000 rows

    series = F.load_jena(write_jena_csv(tmp_path / "jena_climate_2009_2016.csv"), download=False)
    assert series.columns[1] == "T (degC)" and series.target == 1
    raw = series.values
    n = len(raw)
    num_train, num_val = int(0.5 * n), int(0.25 * n)
    mean = raw[:num_train].mean(axis=0)
    std = raw[:num_train].std(axis=0)
    data = (raw - mean) / std
    temperature = raw[:, 1]
    sampling_rate, sequence_length = 6, 120
    delay = sampling_rate * (sequence_length + 24 - 1)
    common = dict(sequence_length=sequence_length, sampling_rate=sampling_rate, batch_size=256)
    val_ds = keras.utils.timeseries_dataset_from_array(data[:-delay], targets=temperature[delay:],
                                                       start_index=num_train, end_index=num_train + num_val, **common)
    test_ds = keras.utils.timeseries_dataset_from_array(data[:-delay], targets=temperature[delay:],
                                                        start_index=num_train + num_val, **common)

    def evaluate_naive_method(dataset):
        total_abs_err, samples_seen = 0.0, 0
        for samples, targets in dataset:
            preds = np.asarray(samples)[:, -1, 1] * std[1] + mean[1]
            total_abs_err += np.sum(np.abs(preds - np.asarray(targets)))
            samples_seen += len(preds)
        return total_abs_err / samples_seen

    ours = F.dlwp_persistence_mae(series)
    assert F.DLWP_JENA.delay == delay
    assert ours["val"] == pytest.approx(evaluate_naive_method(val_ds), rel=1e-5)
    assert ours["test"] == pytest.approx(evaluate_naive_method(test_ds), rel=1e-5)
    assert ours["val"] > 0.1  # the made-up temperature does move over 24 hours


def test_seasonal_naive_reads_the_row_one_season_before_the_target():
    series = index_series()
    protocol = F.Protocol(50, 1, 1)
    starts = F.window_starts(400, protocol, "test")
    assert np.array_equal(F.seasonal_naive(series, starts, protocol, 48), F.target_rows(starts, protocol) - 48)
    assert np.array_equal(F.persistence(series, starts, protocol), F.target_rows(starts, protocol) - 1)
    with pytest.raises(UsageError, match="season"):
        F.seasonal_naive(series, starts, protocol, 336)      # a week is longer than the window


def test_persistence_lags_by_one_step_and_a_perfect_forecast_does_not():
    rng = np.random.default_rng(1)
    truth = np.cumsum(rng.normal(size=500))
    assert F.lag_of_peak(truth[:-1], truth[1:])[0] == 1      # forecast of t+1 = value at t
    assert F.lag_of_peak(truth, truth)[0] == 0


def test_daily_errors_average_to_the_mae_and_errors_are_checked():
    rng = np.random.default_rng(2)
    f, t = rng.normal(size=96), rng.normal(size=96)
    assert np.mean(F.daily_mean_errors(f, t, 48)) == pytest.approx(F.mae(f, t))
    with pytest.raises(UsageError):
        F.mae(f, t[:-1])
    with pytest.raises(UsageError, match="split"):
        F.window_starts(100, SMALL, "later")
    with pytest.raises(UsageError, match="too short"):
        F.window_starts(30, F.Protocol(20, 1, 1), "val")


def test_taylor_naive_figures_on_the_last_two_weeks():
    pytest.importorskip("pmdarima")
    series = F.load_taylor()
    assert len(series.values) == 4_032 and str(series.times[0]) == "2000-06-05T00:00"
    p = F.prepare(series, F.TAYLOR)
    test_targets = F.target_rows(p.starts["test"], F.TAYLOR)
    assert len(test_targets) == 14 * 48 and test_targets[-1] == 4_031          # the last two weeks exactly
    assert F.mae(F.persistence(series, p.starts["test"], F.TAYLOR), p.y["test"]) == pytest.approx(652.0, abs=0.05)
    assert F.mae(F.seasonal_naive(series, p.starts["test"], F.TAYLOR, 336), p.y["test"]) == pytest.approx(513.9, abs=0.05)


@pytest.mark.slow
def test_models_build_and_predict_one_value_per_window():
    linear = (np.zeros(24), 0.0)   # only ridge_gru reads it
    for kind in F.MODEL_KINDS:
        model = F.build_model(kind, steps=12, features=2, linear=linear)
        assert F.predict(model, np.zeros((3, 12, 2), np.float32)).shape == (3,)
    assert F.predict(F.build_model("lstm16", 12, 1, outputs=4), np.zeros((2, 12, 1), np.float32)).shape == (2, 4)
    with pytest.raises(UsageError):
        F.build_model("transformer", 12, 1)


@pytest.mark.parametrize("outputs", [1, 3])
def test_ridge_gru_starts_as_the_ridge_regression_it_was_given(outputs):
    """Before training, the recurrent correction adds exactly zero to ridge's forecast."""
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 60, 2)).astype(np.float32)   # longer than the GRU's last-day crop
    y = rng.normal(size=(40, outputs)) if outputs > 1 else rng.normal(size=40)
    ridge = Ridge(alpha=1.0).fit(x.reshape(40, -1), y)
    model = F.build_model("ridge_gru", 60, 2, outputs=outputs, linear=(ridge.coef_, ridge.intercept_))
    np.testing.assert_allclose(F.predict(model, x), ridge.predict(x.reshape(40, -1)), rtol=1e-4, atol=1e-4)
    with pytest.raises(UsageError):
        F.build_model("ridge_gru", 60, 2)


def double_seasonal(weeks=8, level=100.0):
    """A series that is exactly a daily (48-row) pattern plus a weekly (336-row) one: no noise, no trend."""
    rows = np.arange(weeks * 336)
    daily = 10 * np.sin(2 * np.pi * rows / 48)
    # smooth: STL's loess cannot reproduce a step (a weekend switched on at midnight) exactly
    weekly = 15 * np.sin(2 * np.pi * rows / 336) + 5 * np.cos(4 * np.pi * rows / 336)
    return level + daily + weekly


def test_lag_features_are_the_series_shifted_by_each_lag_from_the_next_row():
    series = index_series(n=2_000)
    protocol = F.Protocol(336, 1, 1)
    starts = F.lag_starts(2_000, protocol, "val", steps=48, max_lag=336)
    x = F.lag_features(series.target_values, starts, protocol, steps=48, lags=(48, 336))
    last = F.last_input_rows(starts, protocol)
    assert x.shape == (len(starts), 48, 3)
    assert np.array_equal(x[:, -1, 0], last) and np.array_equal(x[:, 0, 0], last - 47)
    assert np.array_equal(x[:, :, 1], x[:, :, 0] + 1 - 48) and np.array_equal(x[:, :, 2], x[:, :, 0] + 1 - 336)
    # at the last step they are the seasonal naive forecasts of the target
    assert np.array_equal(x[:, -1, 2], F.seasonal_naive(series, starts, protocol, 336))
    first_val, _ = F.split_bounds(2_000, protocol)
    assert x[:, :, 1:].min() >= first_val                          # nothing read from before the split
    assert starts[0] == first_val + 47 and starts[-1] == F.window_starts(2_000, protocol, "val")[-1]
    with pytest.raises(UsageError, match="lag_starts"):
        F.lag_features(series.target_values, np.array([0]), protocol, steps=48)


def test_seasonal_ahead_and_mstl_forecast_an_exactly_double_seasonal_series():
    pytest.importorskip("statsmodels")
    values = double_seasonal()
    series = F.Series("ds", values[:, None], ("y",), 0, "u", 30,
                      np.arange(len(values)) * np.timedelta64(30, "m"), "test")
    protocol = F.Protocol(336, 1, 1)
    starts = F.lag_starts(len(values), protocol, "test", 48, 336, horizons=48)
    truth = F.horizon_targets(series, starts, protocol, 48)
    weekly = F.seasonal_ahead(values, starts, protocol, 336, 48)
    assert np.abs(weekly - truth).max() < 1e-9                    # a week repeats exactly
    train_end, _ = F.split_bounds(len(values), protocol)
    fitted = F.fit_mstl(values, train_end, periods=(48, 336), ar_lags=2)
    error = np.abs(F.mstl_forecast(fitted, values, starts, protocol, 48) - truth)
    assert error.mean() < 0.01 * np.abs(values - values.mean()).mean()   # ~0 beside the signal's swing
    assert F.mae(F.mstl_forecast(fitted, values, starts, protocol, 1)[:, 0], truth[:, 0]) < 0.5
    with pytest.raises(UsageError):
        F.seasonal_ahead(values, starts, protocol, 48, 49)


@pytest.mark.slow
def test_mstl_reads_the_training_rows_only():
    pytest.importorskip("statsmodels")
    values = double_seasonal()
    train_end, _ = F.split_bounds(len(values), F.TAYLOR)
    changed = values.copy()
    changed[train_end:] += 1_000.0                                # a different future
    a, b = (F.fit_mstl(v, train_end, ar_lags=1) for v in (values, changed))
    assert np.array_equal(a.seasonal, b.seasonal) and a.ar_const == b.ar_const


def test_daily_errors_of_a_multi_step_forecast_average_over_horizons():
    f, t = np.ones((96, 3)), np.zeros((96, 3))
    f[:, 2] = 4.0                                                  # errors 1, 1, 4 per window: mean 2
    assert np.allclose(F.daily_mean_errors(f, t, 48), 2.0)
