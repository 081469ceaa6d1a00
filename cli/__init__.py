"""The ``attune`` command line: one click group; thin commands in modules by concern (model, serve, classify, feedback)."""

import click

from attune.model.errors import AttuneError

from . import classify, coach, feedback, model, serve


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


for _module in (model, serve, classify, feedback, coach):
    for _command in _module.commands:
        cli.add_command(_command)


if __name__ == "__main__":
    cli()
