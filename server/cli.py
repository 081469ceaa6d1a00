"""The ``attune`` command line: one click group; commands live in ``cli_*`` modules by concern."""

import click

from model.errors import AttuneError

from . import cli_classify, cli_model, cli_serve


class _Group(click.Group):
    # Any AttuneError becomes one clear line on stderr and a non-zero exit.
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AttuneError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group)
@click.version_option(package_name="attune")
def cli():
    """Attune: how your customer feels, and how to answer like a person.

    Everything runs on this machine; ticket text never leaves it.
    """


for _module in (cli_model, cli_serve, cli_classify):
    for _command in _module.commands:
        cli.add_command(_command)


if __name__ == "__main__":
    cli()
