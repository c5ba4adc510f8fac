"""Benchmarks: functions `make bench` calls; each returns a dict of numbers. Not tests."""
