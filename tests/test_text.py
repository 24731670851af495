"""Tests for lstm_tutorial.text: cleaning, tokens, stopwords, vocabulary, cache."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import write_aclimdb
from conftest import forget_stopwords
from lstm_tutorial import text
from lstm_tutorial.io import errors
from lstm_tutorial.io import nltk_data as nltk_lookup

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def nltk_data(nltk_stopwords):
    """NLTK's stopwords where the course finds them (see conftest.py), else skipped."""
    return nltk_stopwords


# -- cleaning -------------------------------------------------------------------------

def test_clean_removes_html_entities_urls_and_case():
    raw = "A GREAT Film!<br /><br />See https://www.imdb.com/title/tt01 or www.x.org &amp; enjoy."
    assert text.clean(raw) == "a great film! see or & enjoy."


def test_clean_keeps_words_apart_and_normalises_whitespace():
    assert text.clean("good.<br/>Bad\t\n  ugly\u00a0end") == "good. bad ugly end"
    assert text.clean("") == ""


def test_clean_unescapes_after_removing_tags_and_normalises_quotes():
    # an escaped "<3" is text, not a tag; typographic apostrophes become ASCII
    assert text.clean("I &lt;3 it. Don\u2019t") == "i <3 it. don't"


def test_clean_rejects_non_strings():
    with pytest.raises(errors.UsageError):
        text.clean(None)


# -- tokenization ---------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("i don't like it", ["i", "do", "n't", "like", "it"]),
    ("it's bad, isn't it?", ["it", "'s", "bad", ",", "is", "n't", "it", "?"]),
    ("can't won't cannot", ["ca", "n't", "wo", "n't", "can", "not"]),
    ("you're i'm we've they'll he'd", ["you", "'re", "i", "'m", "we", "'ve", "they", "'ll", "he", "'d"]),
    ("well-made... 7/10!", ["well-made", "...", "7", "/", "10", "!"]),
    ("the 'best' film", ["the", "'", "best", "'", "film"]),
])
def test_tokenize_contractions_and_punctuation(sentence, expected):
    assert text.tokenize(sentence) == expected


def test_tokenize_matches_nltk_treebank_on_words_and_contractions():
    from nltk.tokenize import TreebankWordTokenizer

    sentence = "i do n't think it 's a well-made film , and i wo n't see it again ."
    raw = sentence.replace(" n't", "n't").replace(" 's", "'s")
    assert text.tokenize(raw) == TreebankWordTokenizer().tokenize(raw) == sentence.split()


def test_tokenize_handles_uncleaned_upper_case_and_curly_apostrophes():
    assert text.tokenize("DON'T Cannot") == ["DO", "N'T", "Can", "not"]
    assert text.tokenize("don\u2019t") == ["do", "n't"]


def test_preprocess_cleans_and_tokenizes_each_text():
    out = text.preprocess(["It's <b>GOOD</b>!", "Not bad"])
    assert out == [["it", "'s", "good", "!"], ["not", "bad"]]
    with pytest.raises(errors.UsageError):
        text.preprocess("one string")


# -- stopwords --------------------------------------------------------------------------

def test_english_stopwords_from_nltk_data(nltk_data):
    raw = text.english_stopwords(raw=True)
    assert {"the", "not", "no", "nor", "don't"} <= raw
    assert "n't" not in raw
    ours = text.english_stopwords()
    assert raw <= ours and {"n't", "'s", "'re"} <= ours
    assert "could" not in ours  # a piece of "couldn't" that NLTK's list does not hold


def test_remove_stopwords_removes_negations(nltk_data):
    tokens = text.tokenize(text.clean("Not good at all. I don't like it"))
    assert text.remove_stopwords(tokens) == ["good", ".", "like"]


def test_keep_negations_keeps_not_and_nt(nltk_data):
    tokens = text.tokenize(text.clean("Not good at all. I don't like it"))
    keep = text.english_stopwords(keep_negations=True)
    assert text.remove_stopwords(tokens, keep) == ["not", "good", ".", "n't", "like"]


def test_the_stopword_list_holds_the_negations(nltk_data):
    removed = text.NEGATION_WORDS & text.english_stopwords()
    assert {"not", "no", "nor", "n't", "don't", "didn't"} <= removed
    assert not text.NEGATION_WORDS & text.english_stopwords(keep_negations=True)


def test_won_and_don_are_not_counted_as_negations(nltk_data):
    # In our tokens "won't"/"don't" become "wo"/"do" + "n't"; "won" and "don" are a verb and a name.
    tokens = text.tokenize(text.clean("Don Cheadle won an Oscar; I won't argue and I don't mind."))
    assert [t for t in tokens if t in text.NEGATION_WORDS] == ["n't", "n't"]
    removed = text.NEGATION_WORDS & text.english_stopwords()
    assert "won" not in removed and "don" not in removed and "won't" in removed
    assert {"won", "don"} <= text.english_stopwords(keep_negations=True)  # NLTK's list still drops them


def test_remove_stopwords_with_custom_list():
    assert text.remove_stopwords(["a", "good", "film"], ["a", "film"]) == ["good"]


def test_preprocess_with_stopword_removal(nltk_data):
    assert text.preprocess(["The film was not good"], remove_stopwords=True) == [["film", "good"]]


def test_missing_stopwords_tries_download_once_then_explains(monkeypatch, tmp_path):
    import nltk

    monkeypatch.delenv("NLTK_DATA", raising=False)
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    monkeypatch.setattr(nltk_lookup, "_download_attempted", False)
    forget_stopwords()
    calls = []

    def failing_download(*args, **kwargs):
        calls.append(args)
        raise OSError("offline")

    monkeypatch.setattr(nltk, "download", failing_download)
    for _ in range(2):
        with pytest.raises(errors.DataUnavailableError) as info:
            text.english_stopwords()
        message = str(info.value)
        assert "python -m nltk.downloader stopwords" in message and "NLTK_DATA" in message
    assert len(calls) == 1  # tried once per process, not on every call
    forget_stopwords()


def test_the_download_cannot_hang_on_a_silent_network(monkeypatch, tmp_path):
    """Every network wait of the download is capped (socket timeout), then restored."""
    import socket

    import nltk

    monkeypatch.delenv("NLTK_DATA", raising=False)
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    monkeypatch.setattr(nltk_lookup, "_download_attempted", False)
    forget_stopwords()
    seen = []

    def silent_network(*args, **kwargs):
        seen.append(socket.getdefaulttimeout())
        raise socket.timeout("timed out")

    monkeypatch.setattr(nltk, "download", silent_network)
    before = socket.getdefaulttimeout()
    with pytest.raises(errors.DataUnavailableError, match="nltk.downloader stopwords"):
        text.english_stopwords()
    assert seen == [nltk_lookup.DOWNLOAD_TIMEOUT_S] and socket.getdefaulttimeout() == before
    forget_stopwords()


def test_nltk_data_set_after_import_is_honoured(nltk_stopwords, monkeypatch):
    import nltk

    monkeypatch.setattr(nltk.data, "path", [])
    monkeypatch.setattr(nltk_lookup, "_download_attempted", True)  # no download: must come from NLTK_DATA
    monkeypatch.setenv("NLTK_DATA", str(nltk_stopwords))
    forget_stopwords()
    assert "not" in text.english_stopwords()


# -- lengths ----------------------------------------------------------------------------

def test_length_helpers():
    lists = [["a"] * n for n in (1, 2, 3, 4, 10)]
    assert text.lengths(lists).tolist() == [1, 2, 3, 4, 10]


# -- vocabulary -------------------------------------------------------------------------

TRAIN = [["good", "film", "good"], ["bad", "film", "good"], ["rare", "bad", "film"], ["film"]]
# counts: film 4, good 3, bad 2, rare 1


def test_fit_orders_by_frequency_and_reserves_pad_and_oov():
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=None, min_count=1)
    assert vocab.tokens == ["", "[UNK]", "film", "good", "bad", "rare"]
    assert vocab.size == 6
    assert vocab.token_to_id("") == 0 and vocab.token_to_id("unseen") == 1


def test_fit_min_count_drops_rare_tokens():
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=None, min_count=2)
    assert vocab.tokens == ["", "[UNK]", "film", "good", "bad"]
    assert "rare" not in vocab.tokens and vocab.token_to_id("rare") == 1


def test_fit_max_tokens_counts_pad_and_oov():
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=4, min_count=1)
    assert vocab.tokens == ["", "[UNK]", "film", "good"]


def test_fit_breaks_ties_alphabetically():
    vocab = text.Vocabulary.fit([["b", "a", "c"]], max_tokens=4, min_count=1)
    assert vocab.tokens == ["", "[UNK]", "a", "b"]


def test_fit_rejects_bad_arguments():
    with pytest.raises(errors.UsageError):
        text.Vocabulary.fit(TRAIN, max_tokens=2)
    with pytest.raises(errors.UsageError):
        text.Vocabulary.fit(TRAIN, min_count=0)
    with pytest.raises(errors.UsageError):
        text.Vocabulary.fit(["a", "flat", "list"])


def test_encode_pads_right_and_truncates_post_or_pre():
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=None, min_count=1)  # film 2 good 3 bad 4 rare 5
    lists = [["good", "film"], ["film", "good", "bad", "rare"], []]
    post = vocab.encode(lists, length=3)
    assert post.dtype == np.int32 and post.shape == (3, 3)
    assert post.tolist() == [[3, 2, 0], [2, 3, 4], [0, 0, 0]]
    pre = vocab.encode(lists, length=3, truncating="pre")
    assert pre.tolist() == [[3, 2, 0], [3, 4, 5], [0, 0, 0]]
    with pytest.raises(errors.UsageError):
        vocab.encode(lists, length=3, truncating="middle")
    with pytest.raises(errors.UsageError):
        vocab.encode(lists, length=0)


def test_encode_maps_unknown_tokens_to_oov():
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=None, min_count=2)
    ids = vocab.encode([["rare", "film", "never-seen"]], length=4)
    assert ids.tolist() == [[1, 2, 1, 0]]
    assert vocab.decode(ids[0]) == ["[UNK]", "film", "[UNK]"]


def test_decode_round_trip_drops_padding():
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=None, min_count=1)
    lists = [["good", "film"], ["bad", "rare", "film"]]
    ids = vocab.encode(lists, length=5)
    assert vocab.decode(ids) == lists
    assert vocab.decode(ids[1]) == lists[1]
    with pytest.raises(errors.UsageError):
        vocab.decode([99])


def test_coverage_counts_in_vocabulary_tokens():
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=None, min_count=2)
    assert vocab.coverage([["film", "rare", "x", "good"]]) == pytest.approx(0.5)
    assert vocab.coverage([]) == 0.0


def test_save_load_round_trip_gives_identical_encodings(tmp_path):
    train = text.preprocess(["A good film, a GOOD cast.", "Bad film; didn't like it.", "good good bad"])
    vocab = text.Vocabulary.fit(train, max_tokens=8, min_count=1)
    path = vocab.save(tmp_path / "model_dir" / "vocab.json")
    assert json.loads(path.read_text())["tokens"][:2] == ["", "[UNK]"]
    loaded = text.Vocabulary.load(path)
    assert loaded.tokens == vocab.tokens and loaded.size == vocab.size
    test = text.preprocess(["An unseen good film", "didn't like the cast"])
    for trunc in ("post", "pre"):
        np.testing.assert_array_equal(loaded.encode(test, 3, trunc), vocab.encode(test, 3, trunc))
    assert [p.name for p in path.parent.iterdir()] == ["vocab.json"]  # no temporary file of any name


def test_an_interrupted_vocabulary_save_keeps_the_old_file(tmp_path, monkeypatch):
    old = text.Vocabulary.fit([["good", "film"]], min_count=1)
    path = old.save(tmp_path / "vocab.json")
    saved = path.read_bytes()
    new = text.Vocabulary.fit([["bad", "plot", "bad"]], min_count=1)

    def interrupted_dump(obj, fh, **kwargs):
        fh.write('{"format": ')
        raise KeyboardInterrupt

    monkeypatch.setattr(text.json, "dump", interrupted_dump)
    with pytest.raises(KeyboardInterrupt):
        new.save(path)
    assert path.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.json"]


def test_load_rejects_missing_and_foreign_files(tmp_path):
    with pytest.raises(errors.UsageError):
        text.Vocabulary.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(errors.CorruptDataError):
        text.Vocabulary.load(bad)


def test_the_lookup_is_a_stringlookup_with_the_same_ids():
    keras = pytest.importorskip("keras")
    vocab = text.Vocabulary.fit(TRAIN, max_tokens=None, min_count=2)
    layer = vocab._lookup
    assert isinstance(layer, keras.layers.StringLookup)
    assert layer.get_vocabulary() == vocab.tokens
    tokens = ["film", "rare", "good", "bad", ""]
    ids = np.asarray(layer(np.array(tokens)))
    expected = vocab.encode([tokens[:4]], length=5)[0]  # "" is padding: 0 either way
    assert ids.tolist() == expected.tolist()


# -- token cache ------------------------------------------------------------------------

def test_preprocess_imdb_caches_by_split_and_flag(monkeypatch, tmp_path):
    from lstm_tutorial.io import datasets

    counts = write_aclimdb(tmp_path / "imdb", {"test/pos": ["A test review, not bad!"], "test/neg": ["Good<br />film"]})
    monkeypatch.setattr(datasets, "EXPECTED_COUNTS", counts)
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(tmp_path / "imdb"))
    monkeypatch.setenv("LSTM_TUTORIAL_HOME", str(tmp_path / "home"))
    reads = []
    real_load = datasets.load_imdb
    monkeypatch.setattr(datasets, "load_imdb", lambda split="train", source=None: (reads.append(split), real_load(split, source))[1])
    first, y = text.preprocess_imdb("test")
    again, y2 = text.preprocess_imdb("test")
    assert sorted(first) == sorted(again) == [["a", "test", "review", ",", "not", "bad", "!"], ["good", "film"]]
    assert sorted(y.tolist()) == [0, 1] and y.tolist() == y2.tolist() and reads == ["test"]  # the second came from the cache
    cached = list((tmp_path / "home" / "cache").glob("tokens-test-*.npz"))
    assert len(cached) == 1 and text.TEXT_VERSION in cached[0].name
    text.preprocess_imdb("test", refresh=True)
    assert reads == ["test", "test"]
    with pytest.raises(errors.UsageError):
        text.preprocess_imdb("validation")


def test_token_cache_is_keyed_on_the_data_and_the_stopword_list(monkeypatch, tmp_path):
    """Another copy of the data, or another stopword list, must not be served old tokens."""
    from lstm_tutorial.io import datasets

    counts = write_aclimdb(tmp_path / "one", {"train/pos": ["Not a good film"]})
    write_aclimdb(tmp_path / "two", {"train/pos": ["A very different review"]})
    monkeypatch.setattr(datasets, "EXPECTED_COUNTS", counts)
    monkeypatch.setenv("LSTM_TUTORIAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(tmp_path / "one"))
    assert ["not", "a", "good", "film"] in text.preprocess_imdb("train")[0]
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(tmp_path / "two"))  # the user points at other data
    assert ["a", "very", "different", "review"] in text.preprocess_imdb("train")[0]
    monkeypatch.setenv("LSTM_TUTORIAL_DATA", str(tmp_path / "one"))
    monkeypatch.setattr(text, "english_stopwords", lambda keep_negations=False, raw=False: frozenset({"a"}))
    assert ["not", "good", "film"] in text.preprocess_imdb("train", remove_stopwords=True)[0]
    monkeypatch.setattr(text, "english_stopwords", lambda keep_negations=False, raw=False: frozenset({"a", "not"}))
    assert ["good", "film"] in text.preprocess_imdb("train", remove_stopwords=True)[0]


def test_import_is_cheap():
    code = "import sys, lstm_tutorial.text; print(any(m in sys.modules for m in ('nltk', 'keras', 'tensorflow')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


# -- real data (optional) -------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.integration
def test_preprocess_imdb_on_the_real_archive(imdb_data, tmp_path):
    tokens, labels = text.preprocess_imdb("test")
    assert len(tokens) == len(labels) == 25000 and labels.sum() == 12500
    assert all(tokens[:100])
    vocab = text.Vocabulary.fit(tokens[:5000], max_tokens=5000, min_count=2)
    assert vocab.coverage(tokens[5000:6000]) > 0.8


def reference_ids(train_tokens, token_lists, max_tokens, min_count, length, truncating):
    """The ids Vocabulary gave before it used Keras (Counter, sort, dict, NumPy): the
    committed notebook results and saved models depend on them staying the same."""
    from collections import Counter

    counts = Counter(t for tokens in train_tokens for t in tokens)
    kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    index = {t: i for i, t in enumerate(["", "[UNK]"] + kept[:max_tokens - 2])}
    out = np.zeros((len(token_lists), length), np.int32)
    for row, tokens in zip(out, token_lists):
        kept_tokens = tokens[:length] if truncating == "post" else tokens[-length:]
        row[:len(kept_tokens)] = [index.get(t, 1) for t in kept_tokens]
    return out


def test_encode_ids_equal_the_reference_rule():
    train = TRAIN + [["film", "unseen", "good"] * 3]
    lists = [["film", "rare", "good", "bad", "unseen", "film"], [], ["odd"] * 9]
    vocab = text.Vocabulary.fit(train, max_tokens=5, min_count=2)
    for trunc in ("post", "pre"):
        np.testing.assert_array_equal(vocab.encode(lists, 4, trunc), reference_ids(train, lists, 5, 2, 4, trunc))


@pytest.mark.slow
@pytest.mark.integration
def test_ids_on_real_reviews_equal_the_reference_rule(imdb_data):
    train = text.preprocess_imdb("train")[0][::12][:2000]
    test = text.preprocess_imdb("test")[0][::12][:2000]
    vocab = text.Vocabulary.fit(train, max_tokens=20000, min_count=2)
    for trunc in ("post", "pre"):
        np.testing.assert_array_equal(vocab.encode(test, 256, trunc), reference_ids(train, test, 20000, 2, 256, trunc))
