"""The ``retrorun`` command line.

Each area of the product registers its commands from its own module in this package
(``retrorun.cli.<area>``) through a ``register(app)`` function. Command modules import
only Typer and the standard library at module level; everything heavy (numpy, ezc3d,
SQLAlchemy, ...) is imported inside the command functions so ``retrorun --help`` starts fast.
"""

from __future__ import annotations

import importlib

import typer

from retrorun import DISCLAIMER, __version__

#: Command modules, in the order their commands appear in ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "retrorun.cli.plan",
    "retrorun.cli.log",
    "retrorun.cli.activity",
    "retrorun.cli.analyze",
    "retrorun.cli.lab",
    "retrorun.cli.demo",
    "retrorun.cli.web",
)

app = typer.Typer(
    name="retrorun",
    help=f"Backward running as corrective training.\n\n{DISCLAIMER}",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"retrorun {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Backward running as corrective training."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Entry point of the ``retrorun`` script."""
    app()
