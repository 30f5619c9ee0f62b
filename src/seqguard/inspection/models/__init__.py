"""Trained risk models shipped with the package (``seqguard train`` writes them)."""
