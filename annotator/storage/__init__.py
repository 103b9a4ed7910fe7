"""Storage: the only package that imports sqlite-utils (or sqlite3)."""

from annotator.storage.store import SchemaChange, Store, text_hash

__all__ = ["SchemaChange", "Store", "text_hash"]
