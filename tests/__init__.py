"""Tests for provtop; a package so that `tests.fixtures` can be loaded as a pytest plugin."""
