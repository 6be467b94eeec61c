"""Data sets: the built-in generators, CSV files and the project's data-set spec."""
