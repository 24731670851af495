"""Input/output, below the taught core: datasets, caches, saving, where files go, the quiet TensorFlow start.

Imported by name (``from lstm_tutorial.io import datasets``); nothing here imports the core."""
