"""Tooling a student never needs to read: the notebook runner, the course website, the
Colab set-up cell, the command line, dataset download and caches, paths and the notebook
runtime (fast/full mode, seeds, GPU set-up, key figures).

The course modules one level up hold what the notebooks teach."""
