"""The notebooks' experiment harnesses: grids, sweeps, probes, figures and exercise checks.

Each module says which notebook it serves; a student reads the taught core (``lstm_tutorial/*.py``)
and opens these only to see how a notebook's experiment is run."""
