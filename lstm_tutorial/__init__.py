"""lstm_tutorial: the helper package behind the LSTM course notebooks (cheap to import: Keras
loads with the modules that need it). A notebook starts with ``env = lt.setup()`` (seeds, GPU
memory growth, "mode: full|fast") and ends with ``lt.report()`` (the figures ``lt.record`` kept).
``import lstm_tutorial.models`` registers the custom layers before ``keras.models.load_model``.
"""
from .lab import exercises as check  # lt.check.ex02_1(...): exercise answers checked without revealing them
from .tools.runtime import is_fast, key_figures, mode, pick, record, report, run_times, say, setup

__version__ = "0.1.0"

__all__ = ["setup", "is_fast", "mode", "pick", "record", "report", "say", "run_times", "key_figures", "check", "__version__"]
