"""Persistent state: a botbuilder `Storage` over SQLite, chosen by DATABASE_URL."""

from bot.store.sqlite import EtagConflict, SqliteStorage, sqlite_path

__all__ = ["EtagConflict", "SqliteStorage", "sqlite_path"]
