"""Benchmarks: `make bench` measures Overblik on the demo delivery and writes bench/results/."""
