"""NLTK's English stopword list on this machine: where it loads from, and the one download
attempt per process when it is missing (Colab has NLTK but not its data).

:func:`lstm_tutorial.text.english_stopwords` adapts the list to the course's tokens. NLTK itself
loads (in seconds) only when the list is first needed.
"""
from __future__ import annotations

import functools
import io
import os
import socket

from .errors import DataUnavailableError

__all__ = ["DOWNLOAD_TIMEOUT_S", "describe_stopwords", "stopwords"]

#: Seconds any one network wait of the one download attempt may take.
DOWNLOAD_TIMEOUT_S = 15.0
_download_attempted = False


def _nltk():
    import nltk

    # nltk reads NLTK_DATA only when it is first imported; a notebook may set the
    # variable later, so put its folders first on the search path on every call.
    for folder in reversed(os.environ.get("NLTK_DATA", "").split(os.pathsep)):
        if folder and folder not in nltk.data.path:
            nltk.data.path.insert(0, folder)
    return nltk


def describe_stopwords() -> str:
    """One line for ``doctor``: where NLTK's English stopwords load from; never downloads."""
    nltk = _nltk()
    try:
        return f"available ({nltk.data.find('corpora/stopwords/english')})"
    except LookupError:
        return ("missing; the first use tries one download, or run "
                "`python -m nltk.downloader stopwords` (or set NLTK_DATA to a folder that has them)")


@functools.cache
def stopwords() -> frozenset[str]:
    """NLTK's English list from ``NLTK_DATA`` or NLTK's folders, downloaded once if missing."""
    global _download_attempted
    nltk = _nltk()
    for _ in range(2):
        try:  # this name finds both an unzipped corpora/stopwords folder and stopwords.zip
            return frozenset(nltk.data.load("corpora/stopwords/english", format="text", cache=False).split())
        except (LookupError, OSError):
            if _download_attempted:
                break
        _download_attempted = True
        # A firewall that silently drops packets must not hang the notebook: cap every wait.
        before = socket.getdefaulttimeout()
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
        try:  # our own error below says what to do; NLTK's would only say it failed
            nltk.download("stopwords", quiet=True, print_error_to=io.StringIO())
        except Exception:  # noqa: BLE001, S110 - any failure means "not available"
            pass
        finally:
            socket.setdefaulttimeout(before)
    raise DataUnavailableError(
        "NLTK's English stopword list is not installed and could not be downloaded. "
        "Get it with `python -m nltk.downloader stopwords` (on a machine with internet), "
        "or copy an nltk_data folder holding corpora/stopwords(.zip) here and set the "
        "NLTK_DATA environment variable to that folder.")
