"""Errors meant for the user: each message says what went wrong and what to do.

The command line prints these as one line (no traceback) and exits non-zero; in a
notebook they show as a short exception whose message is the instruction.
"""

__all__ = ["LstmTutorialError", "DataUnavailableError", "CorruptDataError", "UsageError"]


class LstmTutorialError(Exception):
    """Base class for problems the user can fix (missing data, bad input, ...)."""


class DataUnavailableError(LstmTutorialError):
    """The IMDB data is neither on disk nor downloadable (for example, offline)."""


class CorruptDataError(LstmTutorialError):
    """An archive or folder exists but is truncated, fails verification, or is unsafe."""


class UsageError(LstmTutorialError):
    """A function or command was given input it cannot use."""
