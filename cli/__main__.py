"""``python -m attune.cli``."""

from . import cli

cli(prog_name="attune")
