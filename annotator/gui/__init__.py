"""The Qt window. The only package that imports PySide6; it changes data only through the
workspace's operations (annotator.core.workspace), which the undo stack holds (see commands.py)."""
