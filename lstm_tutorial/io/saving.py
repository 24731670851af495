"""The one way trained models are saved: a folder with the ``.keras`` file, its vocabulary and a
JSON manifest of the settings, the metrics and the other two files' SHA-256, so a damaged file
or files of different saves put together are refused with a message, not silent nonsense.
"""
from __future__ import annotations

import hashlib
import json
import math
import zipfile
from pathlib import Path

import numpy as np

from .errors import CorruptDataError, UsageError
from .paths import atomic_folder


def file_sha256(path) -> str:
    """The SHA-256 of a file (hex)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def jsonable(value):
    """``value`` with NumPy numbers made plain, arrays dropped and NaN/inf made None (JSON has none)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if not isinstance(v, np.ndarray)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def save_model_folder(folder, model, vocab, config, metrics: dict | None = None, *,
                      names: tuple[str, str, str], **extra) -> Path:
    """Write ``model``, ``vocab`` and a manifest (``names``: the three file names) into ``folder``.

    All or nothing (:func:`paths.atomic_folder`): an interrupted save never pairs a new model with
    an old vocabulary. Anything else already in ``folder`` moves along."""
    folder = Path(folder)
    with atomic_folder(folder) as tmp:
        model.save(tmp / names[0])
        vocab.save(tmp / names[1])
        payload = {"config": config.to_dict(), "metrics": jsonable(metrics or {}), **jsonable(extra),
                   "files": {name: file_sha256(tmp / name) for name in names[:2]}}
        (tmp / names[2]).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.name not in names:
                    entry.replace(tmp / entry.name)
    return folder


def read_manifest(folder, name: str) -> dict:
    """The manifest ``name`` in ``folder`` as a dict."""
    path = Path(folder) / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no saved model in {folder} (missing {name})") from None
    except (OSError, ValueError) as exc:
        raise CorruptDataError(f"{path} is unreadable ({exc}); train the model again") from exc


def load_model_folder(folder, *, names: tuple[str, str, str], vocab_class, config_class,
                      how_to_train: str, require_hash: bool = False):
    """``(model, vocab, config, manifest)`` from a folder written by :func:`save_model_folder`. Every
    file must be there and match its SHA-256; a manifest without them (an older save) passes unless
    ``require_hash``."""
    folder = Path(folder)
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise UsageError(f"no trained model in {folder} (missing {', '.join(missing)}); {how_to_train}")
    info = read_manifest(folder, names[2])
    if "files" not in info and require_hash:
        raise CorruptDataError(f"{folder / names[2]} records no sha256 for its files, so they cannot be checked")
    for name, expected in info.get("files", {}).items():
        if file_sha256(folder / name) != expected:
            raise CorruptDataError(
                f"{folder / name} is not the file saved with {names[2]} (its SHA-256 differs): it is damaged "
                f"or was replaced, or the files come from different saves; restore it "
                f"(git checkout -- {folder}), copy the files of one save together, or train again")
    try:
        config = config_class.from_dict(info["config"])
    except (KeyError, TypeError) as exc:
        raise CorruptDataError(f"{folder / names[2]} holds no usable settings ({exc}); train again") from exc
    import keras  # the callers have imported it quietly (environment.quiet_tensorflow)

    path = folder / names[0]
    if not zipfile.is_zipfile(path):
        raise CorruptDataError(f"{path} is not a Keras file (truncated or overwritten?); train the model again")
    try:
        model = keras.models.load_model(path)
    except (ValueError, TypeError, KeyError, OSError) as exc:
        # A file Keras cannot rebuild: most often a Keras version that differs from the
        # saving one. Other errors (out of memory, a broken TensorFlow) pass unchanged.
        try:
            with zipfile.ZipFile(path) as archive:
                saved_with = json.loads(archive.read("metadata.json")).get("keras_version", "unknown")
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            saved_with = "unknown"
        raise CorruptDataError(
            f"{path} could not be loaded by Keras {keras.__version__} (saved with Keras {saved_with}): "
            f"{type(exc).__name__}: {exc}. Install the saving version, or train the model again") from exc
    return model, vocab_class.load(folder / names[1]), config, info
