"""lstm_tutorial: the helper package behind the LSTM course notebooks.

Importing it is cheap: TensorFlow and Keras load only when a function needs them (and
when they do, this package's custom layers register themselves, so
``keras.models.load_model`` reads the package's ``.keras`` files without further set-up).
Start a notebook with::

    import lstm_tutorial as lt
    env = lt.setup()          # seeds, GPU memory growth, prints "mode: full|fast"

and end it with ``lt.report()``, which prints the key figures recorded with
``lt.record(...)`` as one JSON object.
"""
from .models import register_when_keras_loads as _register_when_keras_loads
from . import exercises as check  # lt.check.ex02_1(...): exercise answers checked without revealing them
from .tools.runtime import is_fast, key_figures, mode, pick, record, report, run_times, say, setup

# Our custom layers register with Keras as soon as Keras is imported, so that
# keras.models.load_model() reads this package's .keras files after `import lstm_tutorial`.
_register_when_keras_loads()

__version__ = "0.1.0"

__all__ = ["setup", "is_fast", "mode", "pick", "record", "report", "say", "run_times", "key_figures", "check", "__version__"]
