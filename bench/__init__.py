"""Benchmarks (run on purpose, never as timed tests); results are committed under bench/results/."""
