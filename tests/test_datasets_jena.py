"""The Jena climate record: look-up order, a checked and atomic download (from a local
HTTP server on 127.0.0.1 serving a small file with the real column layout), the cache,
and the offline message."""
import hashlib
import http.server
import io
import socket
import threading
import zipfile

import numpy as np
import pytest

from conftest import write_jena_csv
from lstm_tutorial.io.errors import CorruptDataError, DataUnavailableError
from lstm_tutorial.io import datasets, paths

ROWS = 1_500


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """An empty data folder, no LSTM_TUTORIAL_DATA, a small row minimum, no real network."""
    home = tmp_path / "home"
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    monkeypatch.delenv(paths.DATA_ENV, raising=False)
    monkeypatch.setattr(datasets, "JENA_MIN_ROWS", 1_000)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setattr(datasets, "JENA_URLS", (f"http://127.0.0.1:{closed}/{datasets.JENA_ZIP}",))
    monkeypatch.setattr(datasets, "TIMEOUT", 2.0)
    return home


def zipped(csv_path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_path, datasets.JENA_CSV)
    return buffer.getvalue()


@pytest.fixture
def server(tmp_path):
    good = zipped(write_jena_csv(tmp_path / "served" / datasets.JENA_CSV, rows=ROWS))
    bad_header = tmp_path / "served" / "bad" / datasets.JENA_CSV
    bad_header.parent.mkdir(parents=True)
    bad_header.write_text("a,b,c\n1,2,3\n")
    short = zipped(write_jena_csv(tmp_path / "served" / "short" / datasets.JENA_CSV, rows=200))
    payloads = {"/good.zip": good, "/bad.zip": zipped(bad_header), "/short.zip": short}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = payloads.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hashlib.sha256(good).hexdigest()
    httpd.shutdown()
    httpd.server_close()


def visible_files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_download_is_checked_renamed_and_loaded(server, home, monkeypatch):
    base, sha = server
    monkeypatch.setattr(datasets, "JENA_URLS", (f"{base}/good.zip",))
    monkeypatch.setattr(datasets, "JENA_SHA256", sha)
    jena = datasets.read_jena()
    assert jena["values"].shape == (ROWS, 14) and jena["values"].dtype == np.float32
    assert jena["columns"][1] == "T (degC)" and str(jena["times"][0]) == "2009-01-01T00:10:00"
    assert np.all(np.diff(jena["times"]) == np.timedelta64(10, "m"))
    assert "download from" in jena["origin"]
    files = visible_files(home)
    assert datasets.JENA_ZIP in files and not [f for f in files if f.endswith((".part", ".checking"))]
    assert any(f.startswith("cache/jena-") for f in files)
    again = datasets.read_jena(download=False)            # now local (and cached): no network
    assert np.array_equal(again["values"], jena["values"]) and again["origin"] == "data folder"


def test_wrong_checksum_leaves_nothing(server, home):
    base, _ = server
    with pytest.raises(CorruptDataError, match="SHA-256"):
        datasets.download_jena(f"{base}/good.zip", sha256="0" * 64)
    assert visible_files(home) == []


@pytest.mark.parametrize("name, message", [("bad.zip", "header"), ("short.zip", "truncated")])
def test_a_file_that_is_not_the_jena_record_is_refused_and_deleted(server, home, name, message):
    base, _ = server
    with pytest.raises(CorruptDataError, match=message):
        datasets.download_jena(f"{base}/{name}")
    assert visible_files(home) == []


def test_offline_message_says_how_to_provide_the_file(home):
    with pytest.raises(DataUnavailableError) as info:
        datasets.read_jena()
    message = str(info.value)
    for way in (datasets.JENA_ZIP, paths.DATA_ENV, "source=", str(home)):
        assert way in message
    assert visible_files(home) == []


def test_download_false_never_touches_the_network(monkeypatch):
    monkeypatch.setattr(datasets, "download_jena", lambda *a, **k: pytest.fail("must not download"))
    with pytest.raises(DataUnavailableError, match="not available locally"):
        datasets.read_jena(download=False)


def test_a_data_folder_holding_only_imdb_is_passed_over(tmp_path, home, monkeypatch):
    imdb_only = tmp_path / "imdb"
    imdb_only.mkdir()
    monkeypatch.setenv(paths.DATA_ENV, str(imdb_only))
    write_jena_csv(home / datasets.JENA_CSV, rows=ROWS)
    assert datasets.locate_jena(download=False)[1] == "data folder"
    write_jena_csv(imdb_only / datasets.JENA_CSV, rows=ROWS)
    assert datasets.locate_jena(download=False)[1] == f"${paths.DATA_ENV}"
    with pytest.raises(DataUnavailableError, match="source="):
        datasets.locate_jena(tmp_path / "nowhere")
