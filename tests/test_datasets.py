"""Unit tests for lstm_tutorial.io.datasets on tiny aclImdb-shaped fixtures (seconds, no network).

Every test gets its own empty LSTM_TUTORIAL_HOME (so nothing lands in the project's data/)
and a small EXPECTED_COUNTS, so the fixtures pass the same count checks the real
archive must pass with 12,500 / 50,000.
"""
from __future__ import annotations

import hashlib
import http.server
import io
import socket
import tarfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from lstm_tutorial.io import datasets as data, paths
from lstm_tutorial.io.errors import CorruptDataError, DataUnavailableError, LstmTutorialError, UsageError

TINY = {"train/pos": 3, "train/neg": 2, "train/unsup": 4, "test/pos": 2, "test/neg": 3}


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """An empty data folder per test, tiny expected counts, no env source, no network."""
    home = tmp_path / "home"
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    monkeypatch.delenv(paths.DATA_ENV, raising=False)
    monkeypatch.setattr(data, "EXPECTED_COUNTS", dict(TINY))
    # any accidental download goes to a closed local port instead of Stanford
    monkeypatch.setattr(data, "IMDB_URL", f"http://127.0.0.1:{_closed_port()}/aclImdb_v1.tar.gz")
    monkeypatch.setattr(data, "TIMEOUT", 2.0)
    return home


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tree(root: Path, tag: str = "A", counts=TINY) -> Path:
    """Write an aclImdb folder under root; review text is '<tag> <folder> <id>'."""
    folder = root / "aclImdb"
    for sub, n in counts.items():
        d = folder / sub
        d.mkdir(parents=True, exist_ok=True)
        kind = sub.split("/")[1]
        rating = {"pos": 8, "neg": 2, "unsup": 0}[kind]
        for i in range(n):
            # ids written out of order on purpose (10, 9, ...) to check sorting
            (d / f"{10 - i}_{rating}.txt").write_text(f"{tag} {sub} {10 - i} <br />caf\u00e9", encoding="utf-8")
    (folder / "README").write_text("tiny fixture")
    (folder / "imdb.vocab").write_text("the\na\n")
    (folder / "train" / "urls_pos.txt").write_text("http://example\n")
    (folder / "train" / "labeledBow.feat").write_text("0 0:1\n")  # not needed, not unpacked
    return folder


def make_archive(path: Path, tag: str = "A", counts=TINY, extra=None) -> Path:
    """Pack a tiny tree into a tar.gz; `extra(tar)` may add hostile members."""
    src = path.parent / f"src-{path.stem}-{tag}"
    folder = make_tree(src, tag, counts)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        tar.add(folder, arcname="aclImdb")
        if extra is not None:
            extra(tar)
    return path


def files_under(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


# ----------------------------------------------------------------------------- loading
def test_load_from_folder_gives_sorted_texts_and_labels(tmp_path):
    make_tree(tmp_path / "src")
    texts, labels = data.load_imdb("train", source=tmp_path / "src")
    assert labels.dtype == np.int64
    assert labels.tolist() == [0, 0, 1, 1, 1]  # negatives first, then positives
    assert texts[0] == "A train/neg 9 <br />caf\u00e9"  # ids ascending within a label
    assert texts[-1] == "A train/pos 10 <br />caf\u00e9"
    texts, labels = data.load_imdb("unsup", source=tmp_path / "src")
    assert len(texts) == 4 and set(labels.tolist()) == {-1}
    texts, labels = data.load_imdb("test", source=tmp_path / "src" / "aclImdb")  # the folder itself
    assert labels.tolist() == [0, 0, 0, 1, 1]


def test_archive_and_folder_give_identical_splits(tmp_path):
    archive = make_archive(tmp_path / "a" / "aclImdb_v1.tar.gz")
    folder_home = tmp_path / "src"
    make_tree(folder_home)
    for split in ("train", "test", "unsup"):
        t1, l1 = data.load_imdb(split, source=archive)
        t2, l2 = data.load_imdb(split, source=folder_home)
        assert t1 == t2 and l1.tolist() == l2.tolist()


def test_unknown_split_is_a_usage_error(tmp_path):
    make_tree(tmp_path / "src")
    with pytest.raises(UsageError, match="train"):
        data.load_imdb("validation", source=tmp_path / "src")


# ----------------------------------------------------------------------------- look-up order
def test_lookup_order_argument_then_env_then_data_dir(tmp_path, monkeypatch, home):
    make_archive(tmp_path / "arg" / "aclImdb_v1.tar.gz", tag="ARG")
    make_tree(tmp_path / "env", tag="ENV")
    make_archive(home / "aclImdb_v1.tar.gz", tag="HOME")
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "env"))

    assert data.load_imdb("test", source=tmp_path / "arg")[0][0].startswith("ARG")
    assert data.load_imdb("test")[0][0].startswith("ENV")
    monkeypatch.delenv(paths.DATA_ENV)
    assert data.load_imdb("test")[0][0].startswith("HOME")


def test_env_accepts_archive_file_and_folder_itself(tmp_path, monkeypatch):
    archive = make_archive(tmp_path / "x" / "my-copy.tar.gz", tag="FILE")
    monkeypatch.setenv(paths.DATA_ENV, str(archive))
    assert data.load_imdb("train")[0][0].startswith("FILE")
    folder = make_tree(tmp_path / "y", tag="DIR")
    monkeypatch.setenv(paths.DATA_ENV, str(folder))
    assert data.load_imdb("train")[0][0].startswith("DIR")


def test_folder_is_preferred_over_archive_in_the_same_place(tmp_path):
    make_tree(tmp_path / "both", tag="DIR")
    make_archive(tmp_path / "both" / "aclImdb_v1.tar.gz", tag="TAR")
    assert data.load_imdb("train", source=tmp_path / "both")[0][0].startswith("DIR")


@pytest.mark.parametrize("setting", ["missing", "empty", "textfile"])
def test_env_that_holds_no_data_is_named_in_the_error(tmp_path, monkeypatch, setting):
    target = tmp_path / "nothing"
    if setting == "empty":
        target.mkdir()
    elif setting == "textfile":
        target.write_text("hello")
    monkeypatch.setenv(paths.DATA_ENV, str(target))
    with pytest.raises(DataUnavailableError, match=paths.DATA_ENV) as info:
        data.load_imdb("train")
    assert str(target) in str(info.value)


def test_bad_source_argument_is_an_error_not_a_download(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "download_imdb", lambda *a, **k: pytest.fail("must not download"))
    with pytest.raises(DataUnavailableError, match="source argument"):
        data.load_imdb("train", source=tmp_path / "does-not-exist")


# ----------------------------------------------------------------------------- download
class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        body = self.payload
        if self.path == "/missing":
            self.send_error(404)
            return
        announced = len(body) + (5000 if self.path == "/truncated" else 0)
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        if self.path in ("/good", "/truncated"):
            self.wfile.write(body)  # /truncated: fewer bytes than announced, then close
        elif self.path == "/stall":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(3)  # the client's read timeout (0.5 s) fires first


@pytest.fixture
def server(tmp_path):
    archive = make_archive(tmp_path / "served" / "aclImdb_v1.tar.gz", tag="WEB")
    payload = archive.read_bytes()
    handler = type("Handler", (_Handler,), {"payload": payload})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hashlib.sha256(payload).hexdigest()
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_download_good_archive_is_verified_and_renamed(server, home, tmp_path, scheme):
    base, sha = server
    url = f"{base}/good" if scheme == "http" else (tmp_path / "served" / "aclImdb_v1.tar.gz").as_uri()
    path = data.download_imdb(url, sha256=sha)
    assert path == home / "aclImdb_v1.tar.gz"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert [p.name for p in home.iterdir()] == ["aclImdb_v1.tar.gz"]  # no staging folder left


def test_first_load_downloads_when_nothing_is_local(server, home, monkeypatch):
    base, sha = server
    monkeypatch.setattr(data, "IMDB_URL", f"{base}/good")
    monkeypatch.setattr(data, "IMDB_SHA256", sha)
    texts, labels = data.load_imdb("train")
    assert texts[0].startswith("WEB") and len(labels) == 5
    assert (home / "aclImdb_v1.tar.gz").is_file()
    assert "aclImdb_v1.tar.gz" in data.describe_sources()
    monkeypatch.setattr(data, "download_imdb", lambda *a, **k: pytest.fail("must not download again"))
    assert data.load_imdb("test")[0][0].startswith("WEB")  # the downloaded copy is reused


def test_wrong_checksum_is_refused_and_deleted(server, home):
    base, _ = server
    with pytest.raises(CorruptDataError, match="SHA-256") as info:
        data.download_imdb(f"{base}/good", sha256="0" * 64)
    assert "aclImdb_v1.tar.gz" in str(info.value) and "deleted" in str(info.value)
    assert list(home.iterdir()) == []  # get_file keeps such a file: ours goes with its staging folder


def test_truncated_download_is_refused_and_deleted(server, home):
    base, sha = server
    with pytest.raises(CorruptDataError, match="truncated"):
        data.download_imdb(f"{base}/truncated", sha256=sha)
    assert list(home.iterdir()) == []


def test_interrupted_download_times_out_and_leaves_nothing(server, home):
    base, sha = server
    # Had the read timeout not fired, the server's close after 3 s would be reported as
    # a truncated file instead; no wall-clock bound (that would flake on a busy machine).
    with pytest.raises(DataUnavailableError, match="timed out"):
        data.download_imdb(f"{base}/stall", sha256=sha, timeout=0.5)
    assert list(home.iterdir()) == []


def test_http_error_is_data_unavailable(server, home):
    base, sha = server
    with pytest.raises(DataUnavailableError, match="404|Not Found"):
        data.download_imdb(f"{base}/missing", sha256=sha)
    assert list(home.iterdir()) == []


def test_a_url_that_is_no_url_is_data_unavailable(home):
    with pytest.raises(DataUnavailableError, match="unknown url type.*Provide the data"):
        data.download_imdb("not-a-url", sha256="0" * 64)
    assert list(home.iterdir()) == []


def test_offline_error_lists_every_way_and_leaves_nothing(home):
    # the autouse fixture points IMDB_URL at a closed port on 127.0.0.1
    with pytest.raises(DataUnavailableError) as info:
        data.load_imdb("train")
    message = str(info.value)
    for way in (paths.DATA_ENV, "source=", "python -m lstm_tutorial data --from", str(home)):
        assert way in message
    assert files_under(home) == []


def test_download_false_never_touches_the_network(monkeypatch):
    monkeypatch.setattr(data, "download_imdb", lambda *a, **k: pytest.fail("must not download"))
    assert data.describe_sources().startswith("not found locally")


# ----------------------------------------------------------------------------- unsafe archives
def _add_file(tar, name, content=b"evil"):
    info = tarfile.TarInfo(name)
    info.size = len(content)
    tar.addfile(info, io.BytesIO(content))


def _add_link(tar, name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def _add_device(tar, name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.CHRTYPE
    info.devmajor, info.devminor = 1, 3
    tar.addfile(info)


HOSTILE = {
    "absolute path": lambda tar: _add_file(tar, "/tmp/lstm_tutorial_evil.txt"),
    "dot-dot": lambda tar: _add_file(tar, "aclImdb/../../evil.txt"),
    "symlink outside": lambda tar: _add_link(tar, "aclImdb/train/escape", "../../../etc"),
    "absolute symlink": lambda tar: _add_link(tar, "aclImdb/escape", "/etc/passwd"),
    "hardlink outside": lambda tar: _add_link(tar, "aclImdb/hard", "../../etc/passwd", tarfile.LNKTYPE),
    "device file": lambda tar: _add_device(tar, "aclImdb/null"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_unsafe_archives_are_refused(tmp_path, home, kind):
    archive = make_archive(tmp_path / "bad" / "aclImdb_v1.tar.gz", extra=HOSTILE[kind])
    with pytest.raises(CorruptDataError, match="unsafe") as info:
        data.load_imdb("train", source=archive)
    assert str(archive) in str(info.value)
    with pytest.raises(CorruptDataError, match="unsafe"):
        data.import_archive(archive)
    assert files_under(home) == []  # nothing copied, no temporary folder, no cache
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/lstm_tutorial_evil.txt").exists()
    assert archive.exists()  # the user's file is named, not deleted


# ----------------------------------------------------------------------------- bad user copies
def test_truncated_user_archive_is_named_and_kept(tmp_path, home):
    good = make_archive(tmp_path / "a" / "good.tar.gz")
    bad = tmp_path / "b" / "aclImdb_v1.tar.gz"
    bad.parent.mkdir()
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CorruptDataError, match="truncated") as info:
        data.load_imdb("train", source=bad)
    assert str(bad) in str(info.value)
    assert bad.exists()
    assert files_under(home) == []


def test_not_an_archive_at_all(tmp_path):
    bad = tmp_path / "aclImdb_v1.tar.gz"
    bad.write_bytes(b"<html>404 not found</html>" * 50)
    with pytest.raises(CorruptDataError, match=str(bad)):
        data.load_imdb("train", source=bad)


def test_wrong_counts_are_refused(tmp_path):
    archive = make_archive(tmp_path / "a" / "aclImdb_v1.tar.gz",
                           counts={**TINY, "train/pos": 2})
    with pytest.raises(CorruptDataError, match="train/pos has 2 reviews, expected 3"):
        data.load_imdb("train", source=archive)
    folder = make_tree(tmp_path / "f", counts={**TINY, "test/neg": 1})
    with pytest.raises(CorruptDataError, match="test/neg has 1 reviews, expected 3"):
        data.load_imdb("test", source=folder)


def test_wrong_rating_for_its_folder_is_refused(tmp_path):
    def add_bad(tar):
        _add_file(tar, "aclImdb/train/pos/99_2.txt", b"a 2-star review filed as positive")
    archive = make_archive(tmp_path / "a" / "aclImdb_v1.tar.gz", extra=add_bad)
    with pytest.raises(CorruptDataError, match="rating 2"):
        data.load_imdb("train", source=archive)


def test_without_the_tiny_counts_a_small_copy_is_refused(tmp_path, monkeypatch):
    """The counts the checks use by default are the real data set's: a fixture-sized
    copy passes only because the autouse fixture lowers them."""
    folder = make_tree(tmp_path / "small")
    assert data.load_imdb("test", source=folder)[0]
    monkeypatch.undo()  # back to the module's own EXPECTED_COUNTS
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home2"))
    with pytest.raises(CorruptDataError, match="12,500|12500"):
        data.load_imdb("test", source=make_tree(tmp_path / "small2"))


# ----------------------------------------------------------------------------- cache
def _forbid_reading_the_source(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the source was read although the cache should have been used")
    monkeypatch.setattr(data, "_scan_archive", boom)
    monkeypatch.setattr(data, "_read_folder_split", boom)


def test_cache_serves_later_loads_from_an_archive(tmp_path, home, monkeypatch):
    archive = make_archive(tmp_path / "a" / "aclImdb_v1.tar.gz")
    first = {split: data.load_imdb(split, source=archive) for split in ("train", "test", "unsup")}
    cached = sorted(p.name for p in paths.cache_dir().iterdir())
    assert len(cached) == 3 and all(name.endswith(".npz") for name in cached)
    _forbid_reading_the_source(monkeypatch)
    for split, (texts, labels) in first.items():
        again_texts, again_labels = data.load_imdb(split, source=archive)
        assert again_texts == texts and again_labels.tolist() == labels.tolist()
        assert again_labels.dtype == np.int64


def test_cache_serves_later_loads_from_a_folder(tmp_path, monkeypatch):
    make_tree(tmp_path / "src")
    texts, _ = data.load_imdb("train", source=tmp_path / "src")
    _forbid_reading_the_source(monkeypatch)
    assert data.load_imdb("train", source=tmp_path / "src")[0] == texts


def test_changed_folder_is_read_again(tmp_path):
    folder = make_tree(tmp_path / "src")
    data.load_imdb("train", source=folder)
    (folder / "train" / "pos" / "77_9.txt").write_text("one review too many")
    with pytest.raises(CorruptDataError, match="train/pos has 4 reviews"):
        data.load_imdb("train", source=folder)


def test_unreadable_cache_is_rebuilt(tmp_path):
    archive = make_archive(tmp_path / "a" / "aclImdb_v1.tar.gz")
    texts, _ = data.load_imdb("train", source=archive)
    for path in paths.cache_dir().glob("imdb-train-*.npz"):
        path.write_bytes(b"garbage")
    assert data.load_imdb("train", source=archive)[0] == texts


# ----------------------------------------------------------------------------- CLI helpers
def test_prepare_imports_the_archive_and_reports_counts(tmp_path, home, monkeypatch):
    archive = make_archive(tmp_path / "a" / "aclImdb_v1.tar.gz", tag="IMP")
    info = data.prepare_imdb(source=archive)
    assert info["counts"] == {"train": 5, "test": 5, "unsup": 4}
    assert info["positive"] == {"train": 3, "test": 2}
    assert info["location"] == str(home / "aclImdb_v1.tar.gz")
    assert (home / "aclImdb_v1.tar.gz").read_bytes() == archive.read_bytes()
    archive.unlink()  # later runs need neither the original nor an argument
    assert data.load_imdb("train")[0][0].startswith("IMP")
    assert data.prepare_imdb()["counts"]["train"] == 5


def test_import_of_a_folder_copies_it(tmp_path, home):
    folder = make_tree(tmp_path / "src", tag="CP")
    target = data.import_archive(folder)
    assert target == home / "aclImdb"
    assert sorted(files_under(target)) == sorted(files_under(folder) + [".lstm_tutorial.json"])
    assert data.load_imdb("test")[0][0].startswith("CP")


def test_a_failed_import_keeps_the_previous_copy(tmp_path, home, monkeypatch):
    """Replacing data/aclImdb must never delete the old copy before the new one is in place."""
    data.import_archive(make_tree(tmp_path / "one", tag="OLD"))
    real_replace = paths.os.replace

    def failing_replace(src, dst):
        if Path(dst) == home / "aclImdb" and "-old-" not in str(src):  # the new copy moving in
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(paths.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        data.import_archive(make_tree(tmp_path / "two", tag="NEW"))
    monkeypatch.undo()
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    monkeypatch.setattr(data, "EXPECTED_COUNTS", dict(TINY))
    assert data.load_imdb("test", source=home / "aclImdb")[0][0].startswith("OLD")
    assert [p.name for p in home.iterdir() if p.name.startswith(".aclImdb")] == []


def test_a_foreign_folder_in_data_dir_is_never_replaced(tmp_path, home):
    make_tree(home, tag="MINE")
    with pytest.raises(CorruptDataError, match="not written by lstm_tutorial"):
        data.import_archive(make_tree(tmp_path / "src", tag="NEW"))
    assert (home / "aclImdb" / "test" / "pos" / "10_8.txt").read_text().startswith("MINE")


def test_import_of_a_bad_archive_leaves_the_data_dir_clean(tmp_path, home):
    bad = tmp_path / "aclImdb_v1.tar.gz"
    bad.write_bytes(b"\x1f\x8b" + b"not really gzip" * 20)
    with pytest.raises(CorruptDataError):
        data.import_archive(bad)
    assert files_under(home) == []


def test_describe_sources_names_the_place_and_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "download_imdb", lambda *a, **k: pytest.fail("must not download"))
    archive = make_archive(tmp_path / "env" / "aclImdb_v1.tar.gz")
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "env"))
    line = data.describe_sources()
    assert str(archive) in line and paths.DATA_ENV in line and "not cached" in line
    data.load_imdb("train")
    assert "cached splits: train, test, unsup" in data.describe_sources()
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "nowhere"))
    assert data.describe_sources().startswith("problem:")


def test_errors_are_package_errors():
    assert issubclass(DataUnavailableError, LstmTutorialError)
    assert issubclass(CorruptDataError, LstmTutorialError)
