"""Forecasting a time series, with the baselines an LSTM has to beat (notebook 05).

The protocol of *Deep Learning with Python* (Chollet, time-series chapter), so the numbers can be
checked against the book: a chronological 50/25/25 split, normalisation fitted on the training rows
only, windows whose inputs and target never cross a split, and baselines on the same windows.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.preprocessing import StandardScaler

from ..io.errors import UsageError
from ..io.environment import DictConfig


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Series:
    """A multivariate time series ``values`` (rows, features) in time order, and which column is forecast."""

    name: str
    values: np.ndarray
    columns: tuple
    target: int
    unit: str
    step_minutes: int
    times: np.ndarray
    origin: str

    @property
    def rows_per_day(self) -> int:
        return 24 * 60 // self.step_minutes

    @property
    def target_values(self) -> np.ndarray:
        return self.values[:, self.target]


def load_taylor() -> Series:
    """Half-hourly electricity demand in England and Wales, 5 June to 27 August 2000 (MW), from ``pmdarima``."""
    try:
        from pmdarima.datasets import load_taylor as _load
    except ImportError as exc:
        raise UsageError("the taylor series ships with the pmdarima package: "
                         "`pip install pmdarima` (requirements.txt pins it)") from exc
    values = np.asarray(_load(), dtype=np.float32).reshape(-1, 1)
    times = np.datetime64("2000-06-05T00:00") + np.arange(len(values)) * np.timedelta64(30, "m")
    return Series("taylor", values, ("demand (MW)",), 0, "MW", 30, times,
                  "pmdarima.datasets.load_taylor (pmdarima, MIT licence; the series comes from R's `forecast` "
                  "package, GPL-3, and was provided by James W. Taylor, Taylor 2003)")


def load_jena(source=None, download: bool = True) -> Series:
    """The Jena climate record (10-minute rows, 14 measurements); the target is temperature."""
    from ..io import datasets

    raw = datasets.read_jena(source, download=download)
    return Series("jena", raw["values"], tuple(raw["columns"]), list(raw["columns"]).index("T (degC)"),
                  "°C", 10, raw["times"], raw["origin"])


# ----------------------------------------------------------------------------- protocol
@dataclass(frozen=True)
class Protocol(DictConfig):
    """How windows are cut: inputs, their spacing, the target's distance, the split."""

    sequence_length: int       # input steps per window
    sampling_rate: int         # rows between two input steps
    horizon: int               # rows from the last input to the target
    train_fraction: float = 0.5
    val_fraction: float = 0.25

    def __post_init__(self):
        if min(self.sequence_length, self.sampling_rate, self.horizon) < 1:
            raise UsageError(f"sequence_length, sampling_rate and horizon must be >= 1: {self}")
        if not (0 < self.train_fraction and 0 < self.val_fraction and self.train_fraction + self.val_fraction < 1):
            raise UsageError(f"the split fractions must leave room for a test part: {self}")

    @property
    def span(self) -> int:
        """Rows from a window's first input to its last input, both included."""
        return self.sampling_rate * (self.sequence_length - 1) + 1

    @property
    def delay(self) -> int:
        """Rows from a window's first input to its target (the book's ``delay``)."""
        return self.span - 1 + self.horizon


#: The book's set-up on Jena: 5 days of hourly inputs (every 6th 10-minute row), 24 h ahead.
DLWP_JENA = Protocol(sequence_length=120, sampling_rate=6, horizon=144)
#: Our set-up on taylor: one week of half-hourly inputs, the next half hour.
TAYLOR = Protocol(sequence_length=336, sampling_rate=1, horizon=1)


def split_bounds(n_rows: int, protocol: Protocol) -> tuple[int, int]:
    """``(train_end, val_end)`` of the chronological split, computed as the book does (``int(0.5 * n)``...)."""
    n_train = int(protocol.train_fraction * n_rows)
    return n_train, n_train + int(protocol.val_fraction * n_rows)


def _split_rows(n_rows: int, protocol: Protocol, split: str) -> tuple[int, int]:
    train_end, val_end = split_bounds(n_rows, protocol)
    bounds = {"train": (0, train_end), "val": (train_end, val_end), "test": (val_end, n_rows)}
    if split not in bounds:
        raise UsageError(f"unknown split {split!r}: use 'train', 'val' or 'test'")
    return bounds[split]


def fit_scaler(values: np.ndarray, protocol: Protocol) -> StandardScaler:
    """scikit-learn's ``StandardScaler`` fitted on the training rows (``[0, train_end)``) only, nothing after them."""
    train_end, _ = split_bounds(len(values), protocol)
    return StandardScaler().fit(np.asarray(values[:train_end], dtype=np.float64))


def window_starts(n_rows: int, protocol: Protocol, split: str, *, dlwp_exact: bool = False) -> np.ndarray:
    """The first row of every window of ``split`` whose inputs *and* target lie inside it (``dlwp_exact``:
    the book's windows, only the inputs inside, so the last training targets reach into validation)."""
    first, end = _split_rows(n_rows, protocol, split)
    if dlwp_exact:
        end = min(end, n_rows - protocol.delay)
        last = end - protocol.span            # inputs inside [first, end)
    else:
        last = end - 1 - protocol.delay       # target inside [first, end)
    if last < first:
        raise UsageError(f"the {split} part (rows {first}-{end - 1}) is too short for one window of "
                         f"{protocol.delay + 1} rows; use a longer series or a shorter window")
    return np.arange(first, last + 1)


def target_rows(starts: np.ndarray, protocol: Protocol) -> np.ndarray:
    """The row each window forecasts: ``horizon`` rows after its last input."""
    return np.asarray(starts) + protocol.delay


def last_input_rows(starts: np.ndarray, protocol: Protocol) -> np.ndarray:
    return np.asarray(starts) + protocol.span - 1


def window_arrays(normalised: np.ndarray, starts: np.ndarray, protocol: Protocol) -> np.ndarray:
    """The inputs of the windows starting at ``starts`` as one array ``(windows, steps, features)``."""
    spans = sliding_window_view(np.asarray(normalised), protocol.span, axis=0)  # (rows, features, span)
    return np.ascontiguousarray(spans[np.asarray(starts), :, ::protocol.sampling_rate].swapaxes(1, 2))


@dataclass
class Prepared:
    """A series cut by a protocol: per split, input windows ``x``, targets ``y`` (unit) and ``z`` (normalised)."""

    series: Series
    protocol: Protocol
    scaler: StandardScaler
    starts: dict
    x: dict
    y: dict
    z: dict

    def to_unit(self, z) -> np.ndarray:
        """A normalised forecast back in the series' unit."""
        t = self.series.target
        return np.asarray(z, dtype=np.float64) * self.scaler.scale_[t] + self.scaler.mean_[t]


def prepare(series: Series, protocol: Protocol) -> Prepared:
    """Split, normalise (training rows only) and cut ``series`` into windows, as the book does."""
    scaler = fit_scaler(series.values, protocol)
    normalised = scaler.transform(np.asarray(series.values, dtype=np.float64)).astype(np.float32)
    starts, x, y, z = {}, {}, {}, {}
    for split in ("train", "val", "test"):
        starts[split] = window_starts(len(normalised), protocol, split)
        x[split] = window_arrays(normalised, starts[split], protocol)
        rows = target_rows(starts[split], protocol)
        y[split] = series.target_values[rows]
        z[split] = normalised[rows, series.target]
    return Prepared(series, protocol, scaler, starts, x, y, z)


# ----------------------------------------------------------------------------- baselines
def persistence(series: Series, starts: np.ndarray, protocol: Protocol) -> np.ndarray:
    """"The last value goes on": each window's forecast is its last input of the target."""
    return series.target_values[last_input_rows(starts, protocol)]


def seasonal_naive(series: Series, starts: np.ndarray, protocol: Protocol, season_rows: int) -> np.ndarray:
    """"Same time last day (or week)": the value ``season_rows`` before the target, which must be an input."""
    lag = protocol.delay - season_rows  # offset of the seasonal row from the window's first row
    if not 0 <= lag <= protocol.span - 1:
        raise UsageError(f"a season of {season_rows} rows needs a window reaching that far back "
                         f"(delay {protocol.delay}, window span {protocol.span} rows)")
    return series.target_values[np.asarray(starts) + lag]


def fit_ridge(x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
              alphas=(0.01, 0.1, 1.0, 10.0, 100.0)):
    """Ridge regression on the flattened windows, penalty chosen on validation MAE: ``(model, alpha, val_mae)``."""
    from sklearn.linear_model import Ridge

    flat = lambda x: np.asarray(x).reshape(len(x), -1)
    best = None
    for alpha in alphas:
        model = Ridge(alpha=alpha).fit(flat(x_train), y_train)
        score = mae(model.predict(flat(x_val)), y_val)
        if best is None or score < best[2]:
            best = (model, alpha, score)
    return best


# ----------------------------------------------------------------------------- models
#: The models compared, from the book's chapter (names are the keys used everywhere).
MODEL_KINDS = {
    "dense": "Flatten -> Dense(16, relu) -> Dense(1)",
    "lstm16": "LSTM(16) -> Dense(1)",
    "lstm32_dropout": "LSTM(32, recurrent_dropout=0.25) -> Dropout(0.5) -> Dense(1)",
    "gru32": "GRU(32) -> Dense(1)",
    "stacked_gru": "GRU(32, recurrent_dropout=0.5, return_sequences) -> GRU(32, recurrent_dropout=0.5) "
                   "-> Dropout(0.5) -> Dense(1)",
    "ridge_gru": "ridge's linear map of the window (fixed) + [last day -> GRU(32) -> Dense(1), starting at 0]",
}

#: How many of the last steps the correction GRU of ``ridge_gru`` reads (one day of half-hours).
CORRECTION_STEPS = 48


def build_model(kind: str, steps: int, features: int, outputs: int = 1, learning_rate: float = 3e-3,
                linear=None):
    """One of :data:`MODEL_KINDS`, compiled with Adam (3e-3: the book's RMSprop place in fewer epochs) and MSE;
    ``ridge_gru`` needs ``linear = (coef, intercept)`` of :func:`fit_ridge`, and before training *is* it."""
    import keras
    from keras import layers

    if kind not in MODEL_KINDS:
        raise UsageError(f"unknown model {kind!r}: use one of {', '.join(MODEL_KINDS)}")
    if kind == "ridge_gru" and linear is None:
        raise UsageError("ridge_gru needs linear=(coef, intercept) from a ridge regression fitted on the "
                         "training windows")
    inputs = keras.Input(shape=(steps, features))
    if kind == "dense":
        x = layers.Dense(16, activation="relu")(layers.Flatten()(inputs))
    elif kind == "lstm16":
        x = layers.LSTM(16)(inputs)
    elif kind == "lstm32_dropout":
        x = layers.Dropout(0.5)(layers.LSTM(32, recurrent_dropout=0.25)(inputs))
    elif kind == "gru32":
        x = layers.GRU(32)(inputs)
    elif kind == "stacked_gru":
        x = layers.GRU(32, recurrent_dropout=0.5, return_sequences=True)(inputs)
        x = layers.Dropout(0.5)(layers.GRU(32, recurrent_dropout=0.5)(x))
    if kind != "ridge_gru":
        output = layers.Dense(outputs)(x)
    else:   # a fixed linear forecast (fitted in closed form already) plus a recurrent correction
        coef, intercept = (np.asarray(w, dtype=np.float32) for w in linear)
        ridge_part = layers.Dense(outputs, trainable=False, name="ridge")
        base = ridge_part(layers.Flatten()(inputs))
        # scikit-learn stores one row of coefficients per output: (outputs, inputs), or (inputs,) for one
        ridge_part.set_weights([coef.reshape(outputs, -1).T, intercept.reshape(outputs)])
        recent = layers.Cropping1D((steps - min(CORRECTION_STEPS, steps), 0))(inputs)
        correction = layers.Dense(outputs, kernel_initializer="zeros", name="correction")(layers.GRU(32)(recent))
        output = layers.Add()([base, correction])
    model = keras.Model(inputs, output, name=kind)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse", metrics=["mae"])
    return model


def predict(model, x, batch_size: int = 512) -> np.ndarray:
    """The model's forecasts for the windows ``x``, as a NumPy array (one column: flat)."""
    out = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out


# ----------------------------------------------------------------------------- measures
def mae(forecast, truth) -> float:
    """Mean absolute error, in the unit of the series."""
    forecast, truth = np.asarray(forecast, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if forecast.shape != truth.shape:
        raise UsageError(f"forecast and truth differ in shape: {forecast.shape} and {truth.shape}")
    return float(np.mean(np.abs(forecast - truth)))


def daily_mean_errors(forecast, truth, rows_per_day: int) -> np.ndarray:
    """Absolute errors (of multi-step forecasts: over the horizons) averaged per whole day from the end: the
    near-independent examples ``stats.compare`` resamples."""
    err = np.abs(np.asarray(forecast, dtype=np.float64) - np.asarray(truth, dtype=np.float64))
    if err.ndim == 2:
        err = err.mean(axis=1)
    days = len(err) // rows_per_day
    if days < 2:
        raise UsageError(f"need at least two days of forecasts, got {len(err)} rows")
    return err[len(err) - days * rows_per_day:].reshape(days, rows_per_day).mean(axis=1)


def lag_of_peak(forecast, truth, max_lag: int = 6) -> tuple[int, dict]:
    """The lag k at which ``diff(forecast)[t]`` best correlates with ``diff(truth)[t - k]``: ``(best_k, {k: corr})``
    (changes, not levels: levels of a smooth series correlate at every small lag)."""
    df, dt = np.diff(np.asarray(forecast, dtype=np.float64)), np.diff(np.asarray(truth, dtype=np.float64))
    corr = {}
    for k in range(-max_lag, max_lag + 1):
        a, b = (df[k:], dt[:len(dt) - k]) if k >= 0 else (df[:k], dt[-k:])
        corr[k] = float(np.corrcoef(a, b)[0, 1])
    return max(corr, key=corr.get), corr


# ----------------------------------------------------------------------------- multi-step
def horizon_targets(series: Series, starts: np.ndarray, protocol: Protocol, horizons: int) -> np.ndarray:
    """``(windows, horizons)``: the values 1, 2, ..., ``horizons`` rows after each last input."""
    last = last_input_rows(starts, protocol)
    return series.target_values[last[:, None] + np.arange(1, horizons + 1)[None, :]]


# ----------------------------------------------------------------------------- what ridge reads, given to a recurrent net
def lag_starts(n_rows: int, protocol: Protocol, split: str, steps: int, max_lag: int,
               horizons: int = 1) -> np.ndarray:
    """Window starts of ``split`` whose lag features and targets 1..``horizons`` ahead stay inside it too."""
    cut = Protocol(protocol.sequence_length, protocol.sampling_rate, horizons,
                   protocol.train_fraction, protocol.val_fraction)
    starts = window_starts(n_rows, cut, split)
    first, _ = _split_rows(n_rows, protocol, split)
    earliest = last_input_rows(starts, protocol) - steps + 2 - max_lag
    return starts[earliest >= first]


def lag_features(values: np.ndarray, starts: np.ndarray, protocol: Protocol, steps: int,
                 lags=(48, 336)) -> np.ndarray:
    """``(windows, steps, 1 + len(lags))``: at each of a window's last ``steps`` inputs, row r, the value at r
    and per lag the value at ``r + 1 - lag`` (the *next* row one lag earlier: a seasonal naive forecast)."""
    values = np.asarray(values)
    last = last_input_rows(starts, protocol)
    rows = last[:, None] + np.arange(1 - steps, 1)[None, :]
    if (rows + 1 - max(lags)).min() < 0:
        raise UsageError(f"a lag of {max(lags)} rows reaches before the first row: use lag_starts()")
    return np.stack([values[rows]] + [values[rows + 1 - lag] for lag in lags], axis=-1)


def seasonal_ahead(values: np.ndarray, starts: np.ndarray, protocol: Protocol, season_rows: int,
                   horizons: int) -> np.ndarray:
    """``(windows, horizons)``: the seasonal naive forecast 1..``horizons`` rows after each last input."""
    if horizons > season_rows:
        raise UsageError(f"{horizons} steps ahead reach past one season of {season_rows} rows")
    ahead = last_input_rows(starts, protocol)[:, None] + np.arange(1, horizons + 1)[None, :]
    return np.asarray(values)[ahead - season_rows]


# ----------------------------------------------------------------------------- the published method
@dataclass(frozen=True)
class MSTLForecast:
    """MSTL's two seasonal patterns, repeated from the last training cycle, and an AR(p) on the rest."""

    seasonal: np.ndarray    # (rows,) daily + weekly pattern for every row of the series
    ar_const: float
    ar_coefs: np.ndarray    # phi_1 .. phi_p
    periods: tuple
    seconds: float


def _repeat_last_cycle(component: np.ndarray, period: int, train_end: int, n_rows: int) -> np.ndarray:
    """The component on the training rows, then its last training cycle repeated up to ``n_rows``."""
    cycle = component[train_end - period:train_end]
    later = np.arange(train_end, n_rows)
    return np.concatenate([component[:train_end], cycle[(later - train_end) % period]])


def fit_mstl(values: np.ndarray, train_end: int, periods=(48, 336), ar_lags: int = 2) -> MSTLForecast:
    """statsmodels' ``MSTL`` on the training rows, and an AR(``ar_lags``) with a constant on what the seasons
    leave; nothing after ``train_end`` is read (forecasts apply the fitted model to new rows, unrefitted)."""
    from statsmodels.tsa.ar_model import AutoReg
    from statsmodels.tsa.seasonal import MSTL

    t0 = time.perf_counter()
    train = np.asarray(values[:train_end], dtype=np.float64)
    parts = MSTL(train, periods=tuple(periods)).fit()
    seasonal_train = np.asarray(parts.seasonal).reshape(train_end, -1)
    seasonal = sum(_repeat_last_cycle(seasonal_train[:, k], p, train_end, len(values))
                   for k, p in enumerate(periods))
    ar = AutoReg(train - seasonal[:train_end], lags=ar_lags, trend="c").fit()
    return MSTLForecast(seasonal, float(ar.params[0]), np.asarray(ar.params[1:], dtype=np.float64),
                        tuple(periods), time.perf_counter() - t0)


def mstl_forecast(fitted: MSTLForecast, values: np.ndarray, starts: np.ndarray, protocol: Protocol,
                  horizons: int) -> np.ndarray:
    """``(windows, horizons)``: from each window's last input, AR forecasts of the deseasonalised
    series (all origins at once) plus the seasonal pattern of the rows ahead."""
    rest = np.asarray(values, dtype=np.float64) - fitted.seasonal
    last = last_input_rows(starts, protocol)
    p = len(fitted.ar_coefs)
    history = rest[last[:, None] + np.arange(1 - p, 1)[None, :]]      # oldest .. newest
    out = np.empty((len(last), horizons))
    for h in range(horizons):
        step = fitted.ar_const + history[:, ::-1] @ fitted.ar_coefs   # phi_1 reads the newest
        out[:, h] = step
        history = np.concatenate([history[:, 1:], step[:, None]], axis=1)
    ahead = last[:, None] + np.arange(1, horizons + 1)[None, :]
    return out + fitted.seasonal[ahead]


# ----------------------------------------------------------------------------- the book's check
def dlwp_persistence_mae(series: Series, protocol: Protocol = DLWP_JENA) -> dict:
    """Persistence MAE on the book's exact validation and test windows (it reports 2.44 and 2.62 °C on Jena)."""
    scaler = fit_scaler(series.values, protocol)
    z = scaler.transform(np.asarray(series.values, dtype=np.float64))
    out = {}
    for split in ("val", "test"):
        starts = window_starts(len(z), protocol, split, dlwp_exact=True)
        t = series.target
        forecast = z[last_input_rows(starts, protocol), t] * scaler.scale_[t] + scaler.mean_[t]
        out[split] = mae(forecast, series.target_values[target_rows(starts, protocol)])
    return out
