"""Helpers of the tests (and the benchmarks) that are not fixtures: real services to run against."""
