"""User-facing errors: each carries a one-line message the CLI and API show as is."""

from __future__ import annotations


class EarfulError(Exception):
    """A mistake a user can fix (bad file, bad option, locked store); never a bug."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # one line, always
        text = self.message if not self.hint else f"{self.message} ({self.hint})"
        return " ".join(text.split())


class InputError(EarfulError):
    """The input file or its mapping cannot be read as asked."""


class StoreError(EarfulError):
    """The DuckDB store cannot be opened or written (locked, read-only, corrupt)."""


class ConfigError(EarfulError):
    """A configuration file (mapping, routing, contract, cost model) is invalid."""
