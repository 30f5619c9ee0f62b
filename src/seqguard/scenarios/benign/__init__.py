"""Benign scenarios: everyday use, and hard negatives that look like attacks."""
