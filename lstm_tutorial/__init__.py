"""lstm_tutorial: the helper package behind the LSTM course notebooks.

Importing it is cheap: TensorFlow and Keras load only with the modules that need them
(``models``, ``layers``, ``training``, ...). Start a notebook with::

    import lstm_tutorial as lt
    env = lt.setup()          # seeds, GPU memory growth, prints "mode: full|fast"

and end it with ``lt.report()``, which prints the key figures recorded with
``lt.record(...)`` as one JSON object. To read one of the package's ``.keras`` files
with ``keras.models.load_model``, ``import lstm_tutorial.models`` first: that registers
its custom layers with Keras (``tools.classifier.Classifier.load`` does it for you).
"""
from .lab import exercises as check  # lt.check.ex02_1(...): exercise answers checked without revealing them
from .tools.runtime import is_fast, key_figures, mode, pick, record, report, run_times, say, setup

__version__ = "0.1.0"

__all__ = ["setup", "is_fast", "mode", "pick", "record", "report", "say", "run_times", "key_figures", "check", "__version__"]
