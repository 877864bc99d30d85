"""Operations: backups of the database and of every private file, and the restore that proves them.

May import: `program` only (other apps' models are reached through Django's app registry)."""
