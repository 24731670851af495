import pytest

from lstm_tutorial.io import paths


def test_atomic_write_replaces_the_file_only_when_complete(tmp_path):
    target = tmp_path / "sub" / "cache.bin"
    with paths.atomic_write(target) as fh:
        fh.write(b"first")
    assert target.read_bytes() == b"first"

    with pytest.raises(RuntimeError):
        with paths.atomic_write(target) as fh:
            fh.write(b"half of the second")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["cache.bin"]


def test_data_dir_follows_the_home_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path))
    assert paths.data_dir() == tmp_path
    assert paths.cache_dir() == tmp_path / "cache"


def test_data_dir_defaults_to_the_project_data_folder(monkeypatch):
    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    assert paths.data_dir() == paths.project_root() / "data"


def test_atomic_folder_swaps_in_a_complete_folder_and_keeps_the_old_one_on_failure(tmp_path):
    target = tmp_path / "model"
    for content in ("first", "second"):
        with paths.atomic_folder(target) as tmp:
            (tmp / "a.txt").write_text(content)
        assert (target / "a.txt").read_text() == content
    with pytest.raises(RuntimeError):
        with paths.atomic_folder(target) as tmp:
            (tmp / "a.txt").write_text("half")
            raise RuntimeError("interrupted")
    assert (target / "a.txt").read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no hidden -new-/-old- folders
