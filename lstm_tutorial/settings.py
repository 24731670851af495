"""Settings dataclasses that turn into dicts and back (saved beside a model, read again)."""
from __future__ import annotations

from dataclasses import asdict, fields

__all__ = ["DictConfig"]


class DictConfig:
    """For frozen dataclasses of settings: ``to_dict()`` and ``from_dict()`` (unknown keys ignored)."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict):
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})
