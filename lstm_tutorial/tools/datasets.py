"""The IMDB movie-review data set (Maas et al., 2011): find it, fetch it, check it, load it.

The Large Movie Review Dataset has 25,000 training and 25,000 test reviews, each split
half positive and half negative, plus 50,000 unlabelled reviews. Most notebooks need just
one line::

    from lstm_tutorial.tools.datasets import load_imdb
    texts, labels = load_imdb("train")      # 25,000 strings, labels 1 = positive, 0 = negative

Where the data comes from (the first that exists wins):

1. the ``source`` argument: a folder holding ``aclImdb/`` or ``aclImdb_v1.tar.gz``, the
   ``aclImdb`` folder itself, or the path of the ``.tar.gz`` archive;
2. the ``LSTM_TUTORIAL_DATA`` environment variable (same forms);
3. the project's data folder (:func:`lstm_tutorial.tools.paths.data_dir`, normally ``data/``);
4. a download of the official archive from Stanford (about 84 MB), checked against its
   published SHA-256 checksum.

An archive you provide yourself need not be the official download byte for byte (a copy
may leave out files this package never reads), so it is checked by its
*structure and counts* instead: 12,500 reviews in each of train/pos, train/neg, test/pos
and test/neg, 50,000 in train/unsup, file names ``<id>_<rating>.txt`` with ratings 7-10
for positive and 1-4 for negative reviews.

The first ``load_imdb`` reads the reviews straight out of the archive (no need to unpack
100,000 small files) and stores each split in a cache under ``data/cache/``; later loads
read the cache and take a fraction of a second. :func:`locate_imdb` unpacks the archive
when you want the files on disk (to look at them in an editor, say); unpacking refuses
anything that could write outside the target folder.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from . import paths
from ..errors import CorruptDataError, DataUnavailableError, UsageError

# ----------------------------------------------------------------------------- constants
#: Where the official archive is published.
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
#: SHA-256 of the official archive (84,125,825 bytes).
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
#: File name of the archive and of the folder inside it.
ARCHIVE_NAME = "aclImdb_v1.tar.gz"
FOLDER_NAME = "aclImdb"
#: Seconds to wait for the server to accept the connection, and for each piece of data.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0

#: Reviews per folder in the real data set. A local copy must match these counts.
EXPECTED_COUNTS = {
    "train/pos": 12_500,
    "train/neg": 12_500,
    "train/unsup": 50_000,
    "test/pos": 12_500,
    "test/neg": 12_500,
}
#: Which folders make up each split, and the label their reviews get.
SPLITS = {
    "train": (("train/neg", 0), ("train/pos", 1)),
    "test": (("test/neg", 0), ("test/pos", 1)),
    "unsup": (("train/unsup", -1),),
}
#: Star ratings allowed in file names per folder kind (the data set's own rule).
_RATINGS = {"pos": range(7, 11), "neg": range(1, 5), "unsup": range(0, 1)}
_FILE_RE = re.compile(r"^(\d+)_(\d+)\.txt$")
_REVIEW_RE = re.compile(r"^(train|test)/(pos|neg|unsup)/(\d+)_(\d+)\.txt$")
#: Other files of the data set worth unpacking (the *.feat bag-of-words files are skipped).
_EXTRA_FILES = re.compile(r"^(README|imdb\.vocab|(train|test)/urls_(pos|neg|unsup)\.txt)$")

_MARKER = ".lstm_tutorial.json"          # written into folders this module unpacked
_CACHE_VERSION = 1                       # bump when the cache format changes
_STALE_SECONDS = 6 * 3600                # temporary files older than this are debris
_verified_folders: dict[str, dict] = {}  # folders counted in this process


# ----------------------------------------------------------------------------- public API
def load_imdb(split: str = "train", source=None) -> tuple[list[str], np.ndarray]:
    """Return ``(texts, labels)`` of one split of the IMDB data set.

    Args:
        split: ``"train"`` or ``"test"`` (25,000 labelled reviews each, half positive),
            or ``"unsup"`` (50,000 unlabelled reviews, every label is -1).
        source: where to look first (see the module docstring); ``None`` uses the usual
            look-up order and downloads the archive if no local copy exists.

    Returns:
        ``texts``, a list of review strings exactly as in the files (they still contain
        HTML line breaks such as ``<br />``), and ``labels``, an ``int64`` NumPy array:
        1 = positive, 0 = negative, -1 = unlabelled. The order is fixed, negative reviews
        first, then positive, each sorted by review id; it is *not* shuffled, so shuffle
        before taking a subset.

    Raises:
        DataUnavailableError: no local copy and no download possible (the message lists
            the ways to provide the data).
        CorruptDataError: a copy exists but is truncated, incomplete or unsafe.
    """
    if split not in SPLITS:
        raise UsageError(f"unknown IMDB split {split!r}: use one of {', '.join(map(repr, SPLITS))}")
    found = _find(source, download=True)
    cached = _read_cache(split, found.key)
    if cached is not None:
        return cached
    if found.kind == "archive":
        splits = _read_archive(found.path, user_provided=found.user_provided)
        for name, (texts, labels) in splits.items():
            _write_cache(name, found.key, texts, labels)
        return splits[split]
    _verify_folder(found.path)
    texts, labels = _read_folder_split(found.path, split)
    _write_cache(split, found.key, texts, labels)
    return texts, labels


def data_key(source=None) -> str:
    """A short id of the copy of the data that ``load_imdb(split, source)`` reads.

    It changes when the content does (an archive's fingerprint, or a folder's path and
    times), so caches of derived data, such as the token lists in
    :mod:`lstm_tutorial.text`, are keyed on it and never outlive their data.
    """
    return _find(source, download=True).key


def locate_imdb(source=None, download: bool = True) -> Path:
    """Return the unpacked ``aclImdb`` folder, unpacking or downloading it if needed.

    Follows the look-up order of the module docstring. A folder found on disk is
    checked (file counts) and returned as it is; an archive is unpacked safely into
    :func:`lstm_tutorial.tools.paths.data_dir` (never next to the archive, which may be
    read-only). With ``download=False`` a missing copy raises
    :class:`~lstm_tutorial.errors.DataUnavailableError` instead of downloading.

    You only need this to look at the files themselves: :func:`load_imdb` reads the
    archive directly and does not unpack it.
    """
    found = _find(source, download=download)
    if found.kind == "folder":
        _verify_folder(found.path)
        return found.path
    return extract_archive(found.path, user_provided=found.user_provided)


def download_imdb(url: str | None = None, sha256: str | None = None, dest_dir=None, *,
                  connect_timeout: float | None = None, read_timeout: float | None = None,
                  progress: bool = True) -> Path:
    """Download the archive into ``dest_dir`` (default: the data folder) and verify it.

    The bytes go to a temporary file next to the destination, their SHA-256 is computed
    on the way, and only a complete file with the expected checksum is renamed to
    ``aclImdb_v1.tar.gz``: an interrupted or corrupt download never looks like a good one,
    and is deleted.

    Args:
        url: where to download from (default :data:`IMDB_URL`).
        sha256: expected checksum (default :data:`IMDB_SHA256`).
        dest_dir: folder to write into (default :func:`lstm_tutorial.tools.paths.data_dir`).
        connect_timeout: seconds to wait for the connection (default :data:`CONNECT_TIMEOUT`).
        read_timeout: seconds to wait for each piece of data (default :data:`READ_TIMEOUT`).
        progress: show a progress bar.

    Returns:
        The path of the verified archive.

    Raises:
        DataUnavailableError: the server cannot be reached, or the transfer stalled or
            broke off (nothing is kept).
        CorruptDataError: the file arrived shorter than announced or with the wrong
            checksum (it is deleted).
    """
    url = url or IMDB_URL
    sha256 = (sha256 or IMDB_SHA256).lower()
    dest_dir = Path(dest_dir) if dest_dir is not None else paths.data_dir()
    return _download(url, dest_dir / ARCHIVE_NAME, sha256, ways=_ways_to_provide(),
                     connect_timeout=connect_timeout, read_timeout=read_timeout, progress=progress,
                     advice="Run again, or provide a copy yourself (`python -m lstm_tutorial data --from PATH`)")


def _download(url: str, target: Path, sha256: str | None, *, ways: str, advice: str,
              connect_timeout: float | None = None, read_timeout: float | None = None,
              progress: bool = True) -> Path:
    """Download ``url`` to ``target`` atomically, checking its length and SHA-256.

    The bytes go to a hidden temporary file beside ``target``; only a complete file whose
    checksum is ``sha256`` (when one is given) is renamed to ``target``. Anything else is
    deleted and raised: :class:`DataUnavailableError` (no connection, a stall, an HTTP
    error; ``ways`` says how to provide the file by hand) or :class:`CorruptDataError`
    (truncated, wrong checksum; ``advice`` says what to do).
    """
    connect_timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
    read_timeout = READ_TIMEOUT if read_timeout is None else read_timeout
    dest_dir = target.parent
    _make_dir(dest_dir)
    _remove_stale_temporaries(dest_dir)

    request = urllib.request.Request(url, headers={"User-Agent": "lstm-tutorial"})
    try:
        response = urllib.request.urlopen(request, timeout=connect_timeout)
    except (urllib.error.URLError, OSError) as exc:  # refused, no DNS, timeout, HTTP error
        reason = getattr(exc, "reason", exc)
        raise DataUnavailableError(f"cannot download {target.name} from {url} ({reason}). {ways}") from exc

    fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    received = 0
    try:
        with response, os.fdopen(fd, "wb") as out:
            _set_read_timeout(response, read_timeout)
            announced = response.headers.get("Content-Length")
            total = int(announced) if announced and announced.isdigit() else None
            digest = hashlib.sha256()
            bar = _progress_bar(total, f"downloading {target.name}", enabled=progress)
            try:
                while True:
                    try:
                        chunk = response.read(1 << 20)
                    except http.client.IncompleteRead:
                        break  # the server closed early: reported below as a truncated file
                    except (OSError, socket.timeout, http.client.HTTPException) as exc:
                        raise DataUnavailableError(
                            f"the download from {url} broke off after {received:,} bytes ({exc}); "
                            f"nothing was kept, run again. {ways}") from exc
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            finally:
                bar.close()
        if total is not None and received != total:
            raise CorruptDataError(
                f"the download of {url} is truncated: {received:,} of {total:,} bytes arrived; "
                f"the partial file {target} was deleted, run again")
        actual = digest.hexdigest()
        if sha256 is not None and actual != sha256.lower():
            raise CorruptDataError(
                f"the download of {url} for {target} has SHA-256 {actual}, expected {sha256.lower()}; "
                f"the file was deleted. {advice}")
        _publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def extract_archive(archive, dest_dir=None, *, user_provided: bool = True) -> Path:
    """Unpack ``archive`` safely into ``dest_dir/aclImdb`` and return that folder.

    Every member is checked before anything is written: absolute paths, ``..``, links
    that point outside the folder and device files are refused. The files go to a
    temporary folder first, the counts are verified, and only then is it renamed to
    ``aclImdb``: a crash never leaves a half-unpacked folder under the real name. If
    ``dest_dir/aclImdb`` was already unpacked from the same archive, nothing is done.
    A folder of that name that this module did not create is never replaced.
    """
    archive = Path(archive)
    dest_dir = Path(dest_dir) if dest_dir is not None else paths.data_dir()
    target = dest_dir / FOLDER_NAME
    fingerprint = _archive_fingerprint(archive)
    marker = _read_marker(target)
    if marker is not None and marker.get("archive_fingerprint") == fingerprint:
        return target
    if target.exists() and marker is None:
        raise CorruptDataError(
            f"cannot unpack {archive} into {target}: that folder exists and was not unpacked by "
            f"lstm_tutorial. Use it directly (source={str(target)!r}), or move it away and run again")
    _make_dir(dest_dir)
    _remove_stale_temporaries(dest_dir)
    tmp = Path(tempfile.mkdtemp(dir=dest_dir, prefix=f".{FOLDER_NAME}-extract-"))
    try:
        counts = _scan_archive(archive, user_provided=user_provided, extract_to=tmp)
        unpacked = tmp / FOLDER_NAME
        _write_json(unpacked / _MARKER, {"archive": str(archive.resolve()),
                                          "archive_fingerprint": fingerprint, "counts": counts})
        if target.exists():  # an older unpacked copy of a different archive: swap it out
            paths.replace_folder(unpacked, target)
        else:
            try:
                os.replace(unpacked, target)
            except OSError:  # another process finished first: fine if it unpacked the same
                if (_read_marker(target) or {}).get("archive_fingerprint") != fingerprint:
                    raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def import_archive(path) -> Path:
    """Copy a local IMDB archive or ``aclImdb`` folder into the data folder, verified.

    This is what ``python -m lstm_tutorial data --from PATH`` does, so that later runs
    find the data without ``source=`` or ``LSTM_TUTORIAL_DATA``. An archive is checked
    (structure and counts, which also fills the cache) and copied as
    ``data/aclImdb_v1.tar.gz``; a folder is counted and copied as ``data/aclImdb``. The
    copy is written under a temporary name and renamed when complete. Returns the new path.
    """
    found = _resolve_place(Path(path).expanduser(), origin=f"--from {path}", strict=True)
    dest_dir = paths.data_dir()
    _make_dir(dest_dir)
    _remove_stale_temporaries(dest_dir)
    if found.kind == "archive":
        if _read_cache("train", found.key) is None:  # checks the archive and fills the cache
            for name, (texts, labels) in _read_archive(found.path, user_provided=True).items():
                _write_cache(name, found.key, texts, labels)
        target = dest_dir / ARCHIVE_NAME
        if target.exists() and _same_file(target, found.path):
            return target
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{ARCHIVE_NAME}.", suffix=".part")
        os.close(fd)
        try:
            shutil.copyfile(found.path, tmp_name)
            _publish(Path(tmp_name), target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return target
    counts = _verify_folder(found.path)
    target = dest_dir / FOLDER_NAME
    if target.exists() and _same_file(target, found.path):
        return target
    if target.exists() and _read_marker(target) is None:
        raise CorruptDataError(f"{target} already exists and was not created by lstm_tutorial; "
                               "move it away and run again")
    tmp = Path(tempfile.mkdtemp(dir=dest_dir, prefix=f".{FOLDER_NAME}-extract-"))
    try:
        shutil.copytree(found.path, tmp / FOLDER_NAME, ignore=shutil.ignore_patterns(_MARKER))
        _write_json(tmp / FOLDER_NAME / _MARKER, {"copied_from": str(found.path), "counts": counts})
        paths.replace_folder(tmp / FOLDER_NAME, target)  # the old copy goes only once the new one is in place
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def prepare(source=None) -> dict:
    """Make the data ready and report on it (behind ``python -m lstm_tutorial data``).

    With ``source`` the local copy is first imported into the data folder
    (:func:`import_archive`); without it the usual look-up order applies, downloading if
    needed. All three splits are loaded once, so the cache is warm afterwards.

    Returns a dict with ``location`` (where the data now lives), ``origin`` (how it was
    found), ``counts`` (reviews per split), ``positive`` (positive reviews per labelled
    split), ``cache`` (the cache folder) and ``seconds`` (time taken).
    """
    start = time.perf_counter()
    note = None
    if source is not None:
        imported = import_archive(source)
        found = _resolve_place(imported, origin=f"imported from {source}", strict=True)
        if os.environ.get(paths.DATA_ENV):
            note = (f"${paths.DATA_ENV} is set and comes first in the look-up order; "
                    "unset it to use the imported copy")
    else:
        found = _find(None, download=True)
    counts, positive = {}, {}
    for split in SPLITS:
        texts, labels = load_imdb(split, source=found.path)
        counts[split] = len(texts)
        if split != "unsup":
            positive[split] = int((labels == 1).sum())
    return {"location": str(found.path), "origin": found.origin, "counts": counts,
            "positive": positive, "cache": str(paths.cache_dir()),
            "seconds": round(time.perf_counter() - start, 2), "note": note}


def describe_sources(show_path: bool = True) -> str:
    """One line saying where the IMDB data is, or would come from. Never downloads.

    Used by ``python -m lstm_tutorial doctor``. ``show_path=False`` names the file or
    folder without the folders above it: what a notebook prints, so that its committed
    output does not carry the path of the machine that ran it.
    """
    try:
        found = _find(None, download=False)
    except DataUnavailableError as exc:
        if os.environ.get(paths.DATA_ENV):  # set, but pointing at nothing usable
            return f"problem: {exc}"
        into = paths.data_dir() if show_path else "the project's data/ folder"
        return (f"not found locally; the first load downloads {IMDB_URL} (about 84 MB) into "
                f"{into} (offline: set {paths.DATA_ENV} to a folder holding "
                f"{ARCHIVE_NAME}, or run `python -m lstm_tutorial data --from PATH`)")
    except Exception as exc:  # a misconfigured source: say so instead of failing doctor
        return f"problem: {exc}"
    what = "archive" if found.kind == "archive" else "folder"
    cached = [s for s in SPLITS if _cache_path(s, found.key).is_file()]
    cache_note = (f"cached splits: {', '.join(cached)}" if cached
                  else "not cached yet (the first load takes seconds)")
    where = found.path if show_path else found.path.name
    return f"{what} {where} (from {found.origin}); {cache_note}"


# ----------------------------------------------------------------------------- look-up
@dataclass
class _Found:
    kind: str            # "folder" or "archive"
    path: Path
    origin: str          # how it was found, for messages
    user_provided: bool  # False only for an archive this module just downloaded
    key: str             # identifies the content, for the cache


def _find(source, download: bool) -> _Found:
    """Apply the look-up order; return the first place that holds the data."""
    if source is not None:
        return _resolve_place(Path(source).expanduser(), origin="source argument", strict=True)
    env = os.environ.get(paths.DATA_ENV)
    if env:
        return _resolve_place(Path(env).expanduser(), origin=f"${paths.DATA_ENV}", strict=True)
    data_dir = paths.data_dir()
    found = _resolve_place(data_dir, origin="data folder", strict=False)
    if found is not None:
        return found
    if not download:
        raise DataUnavailableError(f"the IMDB data is not available locally. {_ways_to_provide()}")
    archive = download_imdb()
    return _Found("archive", archive, f"download from {IMDB_URL}", False, _archive_fingerprint(archive))


def _resolve_place(place: Path, origin: str, strict: bool):
    """Turn a user-given path into a folder or archive; None (or an error if strict)."""
    candidates = []
    if place.is_file():
        candidates.append(place)
    elif place.is_dir():
        if _looks_like_folder(place):
            candidates.append(place)
        candidates += [place / FOLDER_NAME, place / ARCHIVE_NAME]
    for candidate in candidates:
        if candidate.is_dir() and _looks_like_folder(candidate):
            marker = _read_marker(candidate)
            key = _folder_key(candidate, marker)
            return _Found("folder", candidate.resolve(), origin, True, key)
        if candidate.is_file():
            if not candidate.name.endswith((".tar.gz", ".tgz", ".tar")) and not _is_tar(candidate):
                continue
            return _Found("archive", candidate.resolve(), origin, True, _archive_fingerprint(candidate))
    if not strict:
        return None
    if place.is_file():
        raise DataUnavailableError(f"{origin} points to {place}, which is not a tar.gz archive. "
                                   f"Give {ARCHIVE_NAME}, a folder holding it, or {FOLDER_NAME}/")
    if not place.exists():
        raise DataUnavailableError(
            f"{origin} points to {place}, which does not exist. Give a folder holding "
            f"{FOLDER_NAME}/ or {ARCHIVE_NAME}, the {FOLDER_NAME} folder itself, or the archive")
    raise DataUnavailableError(
        f"{origin} points to {place}, which holds neither {FOLDER_NAME}/ nor {ARCHIVE_NAME}. "
        f"Give a folder holding one of them, the {FOLDER_NAME} folder itself, or the archive")


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except Exception:
        return False


def _looks_like_folder(path: Path) -> bool:
    return (path / "train").is_dir() and (path / "test").is_dir()


def _ways_to_provide() -> str:
    return (f"Provide the data in one of these ways: set {paths.DATA_ENV} to a folder holding "
            f"{ARCHIVE_NAME} or {FOLDER_NAME}/; pass source=PATH to load_imdb(); run "
            f"`python -m lstm_tutorial data --from PATH`; or put {ARCHIVE_NAME} "
            f"(from {IMDB_URL}) into {paths.data_dir()}")


# ----------------------------------------------------------------------------- archives
def _check_member(member: tarfile.TarInfo, archive: Path) -> str:
    """Refuse members that could write outside the target folder; return the clean name."""
    name = member.name
    pure = PurePosixPath(name)
    if name.startswith(("/", "\\")) or pure.is_absolute() or re.match(r"^[A-Za-z]:", name):
        raise CorruptDataError(f"{archive} is unsafe: member {name!r} has an absolute path; refused")
    if ".." in pure.parts or ".." in PurePosixPath(name.replace("\\", "/")).parts:
        raise CorruptDataError(f"{archive} is unsafe: member {name!r} contains '..'; refused")
    if member.ischr() or member.isblk() or member.isfifo() or member.isdev():
        raise CorruptDataError(f"{archive} is unsafe: member {name!r} is a device or pipe; refused")
    if member.issym() or member.islnk():
        link = member.linkname
        base = pure.parent if member.issym() else PurePosixPath()
        resolved = os.path.normpath(str(base / link)) if link else ".."
        if link.startswith("/") or resolved == ".." or resolved.startswith("../"):
            raise CorruptDataError(
                f"{archive} is unsafe: link {name!r} points outside the folder ({link!r}); refused")
    return str(pure)


def _scan_archive(archive: Path, *, user_provided: bool, extract_to: Path | None = None,
                  collect: bool = False):
    """Read the archive once: check every member, count reviews, optionally unpack or collect.

    Returns the counts per folder (and, with ``collect``, the review texts per folder as
    ``{folder: [(id, text), ...]}``). Raises CorruptDataError for anything wrong.
    """
    counts = {folder: 0 for folder in EXPECTED_COUNTS}
    texts: dict[str, list] = {folder: [] for folder in EXPECTED_COUNTS}
    use_filter = hasattr(tarfile, "data_filter")
    advice = ("replace it with a good copy (or delete it) and run again" if user_provided
              else "delete it and run again")
    try:
        with open(archive, "rb") as raw, _progress_reader(raw, archive) as reader, \
                tarfile.open(fileobj=reader, mode="r|*") as tar:
            for member in tar:
                name = _check_member(member, archive)
                parts = name.split("/", 1)
                if parts[0] != FOLDER_NAME or len(parts) == 1:
                    continue  # not part of the data set (e.g. a stray top-level file)
                inner = parts[1]
                match = _REVIEW_RE.match(inner)
                if match and member.isfile():
                    folder = f"{match.group(1)}/{match.group(2)}"
                    if folder not in counts:
                        raise CorruptDataError(f"{archive} does not look like the IMDB archive: "
                                               f"unexpected folder {folder}; {advice}")
                    rating = int(match.group(4))
                    if rating not in _RATINGS[match.group(2)]:
                        raise CorruptDataError(f"{archive} does not look like the IMDB archive: "
                                               f"{name} has rating {rating} in {folder}; {advice}")
                    if member.size == 0:
                        raise CorruptDataError(f"{archive} has an empty review {name}; {advice}")
                    counts[folder] += 1
                    if collect:
                        data = tar.extractfile(member).read()
                        texts[folder].append((int(match.group(3)), data.decode("utf-8", "replace")))
                elif not (member.isdir() or (member.isfile() and _EXTRA_FILES.match(inner))):
                    continue  # *.feat files, imdbEr.txt, links inside the folder: not needed
                if extract_to is not None:
                    if use_filter:
                        tar.extract(member, extract_to, filter="data")
                    else:  # older Python: our own checks above are the protection
                        tar.extract(member, extract_to)
    except CorruptDataError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise CorruptDataError(
            f"{archive} is truncated or not a valid tar.gz archive ({type(exc).__name__}: {exc}); "
            f"{advice}") from exc
    _check_counts(counts, archive, advice)
    return (counts, texts) if collect else counts


def _check_counts(counts: dict, where, advice: str) -> None:
    wrong = [f"{folder} has {counts.get(folder, 0):,} reviews, expected {expected:,}"
             for folder, expected in EXPECTED_COUNTS.items() if counts.get(folder, 0) != expected]
    if wrong:
        raise CorruptDataError(f"{where} does not look like the complete IMDB data set: "
                               f"{'; '.join(wrong)}. {advice[0].upper()}{advice[1:]}")


def _read_archive(archive: Path, *, user_provided: bool) -> dict:
    """Read all splits straight from the archive (checked as in :func:`extract_archive`)."""
    _, texts = _scan_archive(archive, user_provided=user_provided, collect=True)
    return {split: _assemble(split, texts) for split in SPLITS}


def _assemble(split: str, by_folder: dict) -> tuple[list[str], np.ndarray]:
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
    """Count the review files of an unpacked folder (remembered for this process)."""
    marker = _read_marker(folder)
    if marker is not None and marker.get("counts"):
        counts = marker["counts"]
    else:
        key = _folder_key(folder, None)
        if key in _verified_folders:
            return _verified_folders[key]
        counts = {}
        for name in EXPECTED_COUNTS:
            sub = folder / name
            counts[name] = sum(1 for e in os.scandir(sub) if e.name.endswith(".txt")) if sub.is_dir() else 0
        _verified_folders[key] = counts
    _check_counts(counts, folder, "check that every file is there, or use the archive instead")
    return counts


def _read_folder_split(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    by_folder = {}
    for name, _ in SPLITS[split]:
        reviews = []
        for entry in os.scandir(folder / name):
            match = _FILE_RE.match(entry.name)
            if match:
                with open(entry.path, encoding="utf-8", errors="replace") as f:
                    reviews.append((int(match.group(1)), f.read()))
        by_folder[name] = reviews
    return _assemble(split, by_folder)


def _folder_key(folder: Path, marker: dict | None) -> str:
    """Identify a folder's content: from its marker, else its path and folder times."""
    if marker is not None and marker.get("archive_fingerprint"):
        return marker["archive_fingerprint"]
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


# ----------------------------------------------------------------------------- cache
def _cache_path(split: str, key: str) -> Path:
    return paths.cache_dir() / f"imdb-{split}-{key}-v{_CACHE_VERSION}.npz"


def _read_cache(split: str, key: str):
    path = _cache_path(split, key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            blob = npz["blob"].tobytes()
            offsets = npz["offsets"]
            labels = npz["labels"].astype(np.int64)
    except Exception:  # an unreadable cache is rebuilt, never trusted
        return None
    bounds = offsets.tolist()
    texts = blob.decode("utf-8")
    # offsets are character offsets into the decoded text, so slicing is cheap
    return [texts[a:b] for a, b in zip(bounds[:-1], bounds[1:])], labels


def _write_cache(split: str, key: str, texts: list[str], labels: np.ndarray) -> None:
    """Store one split as one .npz (no pickle): all texts joined, plus offsets and labels."""
    path = _cache_path(split, key)
    try:
        _make_dir(path.parent)
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in texts], out=offsets[1:])
        blob = np.frombuffer("".join(texts).encode("utf-8"), dtype=np.uint8)
        with paths.atomic_write(path) as f:
            np.savez(f, blob=blob, offsets=offsets, labels=np.asarray(labels, dtype=np.int64))
        for old in path.parent.glob(f"imdb-{split}-*.npz"):  # keep one cache per split
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        warnings.warn(f"could not write the IMDB cache {path} ({exc}); loads stay slow", stacklevel=3)


# ----------------------------------------------------------------------------- helpers
def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataUnavailableError(
            f"cannot create {path} ({exc}); set {paths.HOME_ENV} to a writable folder") from exc


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1))


def _publish(tmp: Path, target: Path) -> None:
    """Give a finished temporary file normal permissions and rename it into place."""
    os.chmod(tmp, 0o666 & ~paths.current_umask())
    os.replace(tmp, target)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete leftovers of runs that were killed mid-way (hidden, older than 6 hours)."""
    now = time.time()
    for pattern in (".*.part", f".{FOLDER_NAME}-extract-*", f".{FOLDER_NAME}-old-*"):
        for path in folder.glob(pattern):
            try:
                if now - path.stat().st_mtime > _STALE_SECONDS:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
            except OSError:
                pass


def _set_read_timeout(response, seconds: float) -> None:
    """urlopen's timeout covers the connection; use a (longer) one for reading data."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def _progress_bar(total, description: str, enabled: bool = True):
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="B", unit_scale=True, unit_divisor=1024,
                disable=not enabled, mininterval=0.5)


class _progress_reader:
    """Wrap a binary file so reading it advances a progress bar (for the first load)."""

    def __init__(self, raw, archive: Path):
        self._raw = raw
        size = archive.stat().st_size
        # a bar for big archives only: tiny test fixtures stay quiet
        self._bar = _progress_bar(size, f"reading {archive.name}", enabled=size > (8 << 20))

    def read(self, n=-1):
        data = self._raw.read(n)
        self._bar.update(len(data))
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._bar.close()
        return False


# ----------------------------------------------------------------------------- Jena climate
# The weather record of the Max Planck Institute for Biogeochemistry in Jena, 2009-2016,
# as prepared for Deep Learning with Python (F. Chollet): one row every 10 minutes, a
# time stamp and 14 measurements (air pressure, temperature, humidity, wind, ...).
# Notebook 05 forecasts its temperature. Look-up order, as for IMDB: the ``source``
# argument, then LSTM_TUTORIAL_DATA, then the data folder, then a download.

#: Where the zipped CSV is published: the book's address first, then TensorFlow's mirror.
JENA_URLS = ("https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip",
             "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip")
#: SHA-256 of the zip. Not pinned yet: the machines this course is built on reach no web
#: server, so nobody could compute it here. While it is None a download is checked by its
#: length, the zip's own CRC and the CSV's layout (header and row count); once set, by
#: its checksum as well.
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


def load_jena(source=None, download: bool = True) -> dict:
    """The Jena climate record as arrays: ``{"times", "columns", "values", "origin"}``.

    ``times`` is a ``datetime64[s]`` array (one per row), ``columns`` the 14 measurement
    names (:data:`JENA_COLUMNS` without the time stamp), ``values`` a ``float32`` array of
    shape ``(rows, 14)`` in file order, and ``origin`` says where the data came from.

    Args:
        source: a ``jena_climate_2009_2016.csv`` or ``.csv.zip`` file, or a folder holding
            one; ``None`` follows the look-up order (``LSTM_TUTORIAL_DATA``, the data
            folder, then a download).
        download: ``False`` never touches the network; a missing copy then raises.

    Raises:
        DataUnavailableError: no copy found and no download possible; the message lists
            the ways to provide the file.
        CorruptDataError: a copy exists but is not the Jena record (header, row count,
            a broken zip).
    """
    path, origin = locate_jena(source, download=download)
    key = _archive_fingerprint(path)
    cache = paths.cache_dir() / f"jena-{key}-v{_JENA_CACHE_VERSION}.npz"
    try:
        with np.load(cache, allow_pickle=False) as npz:
            return {"times": npz["times"], "columns": JENA_COLUMNS[1:], "values": npz["values"],
                    "origin": origin}
    except Exception:  # no cache or an unreadable one: parse the CSV again
        pass
    times, values = _parse_jena(path)
    try:
        with paths.atomic_write(cache) as f:
            np.savez(f, times=times, values=values)
    except OSError as exc:
        warnings.warn(f"could not write the Jena cache {cache} ({exc}); loads stay slow", stacklevel=2)
    return {"times": times, "columns": JENA_COLUMNS[1:], "values": values, "origin": origin}


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


def download_jena(url: str | None = None, sha256: str | None = None, dest_dir=None, *,
                  connect_timeout: float | None = None, read_timeout: float | None = None,
                  progress: bool = True) -> Path:
    """Download the zipped Jena CSV into ``dest_dir`` (default: the data folder), verified.

    Atomic like :func:`download_imdb`: the bytes go to a temporary file, and only a
    complete download that passes the checks is renamed to ``jena_climate_2009_2016.csv.zip``.
    The checks: the announced length, the SHA-256 (``sha256``, default :data:`JENA_SHA256`,
    when known), and the content: a readable zip whose CSV has the Jena header and at least
    :data:`JENA_MIN_ROWS` rows. A file failing any of them is deleted.
    """
    url = url or JENA_URLS[0]
    sha256 = sha256 or JENA_SHA256
    dest_dir = Path(dest_dir) if dest_dir is not None else paths.data_dir()
    target = dest_dir / JENA_ZIP
    staged = dest_dir / f".{JENA_ZIP}.checking"
    _download(url, staged, sha256, ways=_jena_ways(), connect_timeout=connect_timeout,
              read_timeout=read_timeout, progress=progress,
              advice=f"Run again, or download {JENA_ZIP} yourself and put it into {dest_dir}")
    try:
        _parse_jena(staged)  # raises CorruptDataError for anything but the Jena record
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    return target


def _jena_in(place: Path) -> Path | None:
    """The Jena CSV or zip at ``place`` (a file, or a folder holding one), or None."""
    if place.is_file():
        return place.resolve()
    if place.is_dir():
        for name in (JENA_CSV, JENA_ZIP):
            if (place / name).is_file():
                return (place / name).resolve()
    return None


def _jena_ways() -> str:
    return (f"Provide it in one of these ways: download {JENA_ZIP} from {JENA_URLS[0]} and put it "
            f"into {paths.data_dir()}, or set {paths.DATA_ENV} to the folder holding it, or pass "
            f"source=PATH to load_jena()")


def _read_jena_text(path: Path) -> str:
    import zipfile

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if PurePosixPath(n).name == JENA_CSV]
                if not names:
                    raise CorruptDataError(f"{path} holds no {JENA_CSV} (it has {zf.namelist()[:5]})")
                return zf.read(names[0]).decode("utf-8")  # checks the member's CRC
        return path.read_text(encoding="utf-8")
    except CorruptDataError:
        raise
    except (zipfile.BadZipFile, zlib.error, UnicodeDecodeError, OSError, EOFError) as exc:
        raise CorruptDataError(f"{path} cannot be read as the Jena CSV ({type(exc).__name__}: {exc}); "
                               "delete it and run again") from exc


def _parse_jena(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Check the layout and return ``(times, values)``; CorruptDataError if it is not Jena's."""
    lines = _read_jena_text(path).splitlines()
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
