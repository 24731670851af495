"""The PyTorch article's pipeline, reproduced: it reads letters, removes stopwords first."""
import re

import pytest

from lstm_tutorial.lab import article
from lstm_tutorial.io.errors import UsageError

STOP = {"this", "is", "a", "not", "the"}


def _article_clean_verbatim(text, stop_words):
    """The article's function line by line (its listing, re-indented), as the reference."""
    text = text.lower()
    text = [word for word in text.split() if word not in stop_words]
    text = " ".join(text)
    text = re.sub(r"<.*?>", "", text)
    text = re.sub(r"https?://\S+|www\.\S+", "", text)
    text = re.sub(r"[^a-z\s]", "", text)
    text = " ".join(text)
    return text


@pytest.mark.parametrize("review", [
    "This is not a good movie.",
    "Great film!<br /><br />See http://imdb.com NOW, 10/10",
    "The <i>worst</i>   thing... www.example.org ever",
])
def test_cleaning_matches_the_articles_code_and_yields_single_letters(review):
    ours = article.article_clean(review, stopwords=STOP)
    assert ours == _article_clean_verbatim(review, STOP)
    tokens = article.article_tokenize(review, stopwords=STOP)
    assert tokens and all(len(t) == 1 and "a" <= t <= "z" for t in tokens)
    assert "".join(tokens) == re.sub(r"\s", "", ours)


def test_stopwords_are_removed_before_tags_so_negations_vanish():
    assert article.article_tokenize("This is not a good movie.", letters=False, stopwords=STOP) == ["good", "movie"]
    # the stopword check runs on whitespace words: "not<br" survives it; the tag, removed
    # later and replaced by nothing, glues the words on either side together
    assert article.article_tokenize("fine not<br />good", letters=False, stopwords=STOP) == ["fine", "notgood"]


def test_vocabulary_rule_keeps_first_seen_order_min_freq_and_cap():
    lists = [["b", "a", "c"], ["a", "b", "d"], ["e", "c", "a"]]
    vocab = article.article_vocabulary(lists, min_freq=2, max_vocab=30)
    assert vocab.tokens[2:] == ["b", "a", "c"]  # first-seen order, d and e seen once
    capped = article.article_vocabulary(lists, min_freq=2, max_vocab=4)
    assert capped.tokens[2:] == ["b", "a"] and capped.size == 4
    with pytest.raises(UsageError):
        article.article_vocabulary(lists, max_vocab=2)


def test_real_stopword_list_deletes_negations(nltk_stopwords):
    tokens = article.article_tokenize("This is not a good movie.", letters=False)
    assert tokens == ["good", "movie"]
    assert article.article_tokenize_all(["Not bad."])[0] == list("bad")
