"""``python -m lstm_tutorial``: see :mod:`lstm_tutorial.cli`."""
from .cli import main

raise SystemExit(main())
