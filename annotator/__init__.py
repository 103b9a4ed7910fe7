"""annotator: local-first annotation of Persian and Korean news text."""

__version__ = "0.1.0"
