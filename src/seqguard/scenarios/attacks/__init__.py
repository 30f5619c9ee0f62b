"""Attack scenarios, one class per exploit, grouped by the kind of protocol they hit."""
