"""The block builder: picks transactions from the pool, executes them, seals blocks."""
