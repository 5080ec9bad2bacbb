"""Errors raised for bad trial files (the CLI maps them to exit code 2)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["TrialFileError"]


class TrialFileError(ValueError):
    """A trial file is missing, corrupt, truncated or unsupported.

    The message always names the file and the problem.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
