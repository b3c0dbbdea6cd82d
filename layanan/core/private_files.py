"""Files of the installation that only its own user may read: ``var/`` and what is in it.

Modes are set explicitly, whatever the process's umask: folders 0700, files 0600. A file is
created with its mode (never written first and restricted after), so there is no moment in
which another user of the machine could open it.
"""

import os
from pathlib import Path
from typing import Any

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def private_directory(path: Path) -> Path:
    """Create ``path`` and its missing parents with mode 0700 (existing folders are left as is)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:
            continue
        folder.chmod(DIRECTORY_MODE)  # mkdir's mode is narrowed by the umask, not widened
    return path


def private_file_create(path: Path, content: bytes = b"", *, exist_ok: bool = False) -> bool:
    """Create ``path`` with mode 0600 holding ``content``; False if it existed (``exist_ok``)."""
    private_directory(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if exist_ok:
            return False
        raise
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(content)
    return True


def private_file_restrict(path: Path) -> None:
    """Narrow an existing file to 0600 (files an earlier version left readable)."""
    try:
        if path.stat().st_mode & 0o777 != FILE_MODE:
            path.chmod(FILE_MODE)
    except FileNotFoundError:
        pass


def _sqlite_file(settings_dict: dict) -> Path | None:
    name = str(settings_dict.get("NAME") or "")
    if not name or name.startswith("file:") or ":memory:" in name:
        return None
    return Path(name)


def sqlite_databases_create(databases: dict[str, dict]) -> None:
    """Create the embedded default's SQLite files empty, 0600, before SQLite does (it would
    create them readable by everyone under the usual umask); SQLite gives its ``-wal`` and
    ``-shm`` files the database file's mode."""
    for settings_dict in databases.values():
        if settings_dict.get("ENGINE") == "django.db.backends.sqlite3":
            path = _sqlite_file(settings_dict)
            if path is not None and not path.exists():
                try:
                    private_file_create(path, exist_ok=True)
                except OSError:  # a read-only place: SQLite will say so on connecting
                    continue


def sqlite_files_restrict(sender: object, connection: Any, **kwargs: object) -> None:
    """On every new connection (a signal): the database files of an earlier version, 0644, are
    narrowed to 0600."""
    if connection.vendor != "sqlite":
        return
    path = _sqlite_file(connection.settings_dict)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            private_file_restrict(path.with_name(path.name + suffix))
