"""The Qt window. The only package that imports PySide6; it changes data only through
``QUndoCommand``s that call the core (see commands.py)."""
