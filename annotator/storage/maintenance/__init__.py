"""Keeping the database file healthy: check it (checking), copy what is readable out of a damaged
one (recovering), and back it up safely (backups).

Every message is one line, ready to show a user. Failures a user can act on raise
:class:`~annotator.core.errors.DatabaseError`; :func:`check` never raises for a bad file.
"""

from annotator.storage.maintenance.backups import backup, backup_pattern, restore_instructions, rolling_backup
from annotator.storage.maintenance.checking import CheckReport, check
from annotator.storage.maintenance.recovering import RecoveryReport, TableRecovery, recover

__all__ = ["CheckReport", "RecoveryReport", "TableRecovery", "backup", "backup_pattern", "check", "recover",
           "restore_instructions", "rolling_backup"]
