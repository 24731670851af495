"""``python -m lstm_tutorial``: see :mod:`lstm_tutorial.tools.cli`."""
from .tools.cli import main

raise SystemExit(main())
