"""Alert rules: evidence that a model may be over-optimized for a benchmark, with false-discovery control."""
