"""A run's settings: dataclasses that turn into dicts and back (saved beside a model, read
again), the smaller values of fast mode, and the learning-rate schedules a setting names."""
from __future__ import annotations

from dataclasses import asdict, fields
from typing import ClassVar

from .io import environment

__all__ = ["DictConfig", "LR_SCHEDULES", "learning_rate_schedule"]

#: How the learning rate moves over a run (:func:`learning_rate_schedule`).
LR_SCHEDULES = ("cosine", "constant")


class DictConfig:
    """For frozen dataclasses of settings: ``to_dict()``, ``from_dict()`` (unknown keys ignored),
    and :meth:`for_mode`, the settings of the mode the course runs in."""

    #: What fast mode (``LSTM_TUTORIAL_FAST=1``) changes: small data, a small network. Each subclass sets its own.
    FAST: ClassVar[dict] = {}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict):
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})

    @classmethod
    def for_mode(cls, fast: bool | None = None, **settings):
        """The ``settings`` given (None keeps the default), over :attr:`FAST` in fast mode
        (``fast=None``: as ``LSTM_TUTORIAL_FAST`` says); checked by :meth:`validate`."""
        fast = environment.is_fast() if fast is None else fast
        values = {**(cls.FAST if fast else {}), **{k: v for k, v in settings.items() if v is not None}}
        return cls(**values).validate()

    def validate(self):
        """This config, or a UsageError naming the first setting out of range (subclasses check theirs)."""
        return self


def learning_rate_schedule(kind: str, learning_rate: float, steps: int, floor: float = 0.0):
    """``learning_rate`` itself (``"constant"``), or (``"cosine"``) a decay from it to ``floor`` times
    it over ``steps`` optimizer steps: large steps early, small ones when the weights are nearly there."""
    if kind == "constant":
        return learning_rate
    import keras  # only a schedule needs Keras: reading settings does not

    return keras.optimizers.schedules.CosineDecay(learning_rate, max(1, steps), alpha=floor)
