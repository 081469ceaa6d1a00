"""Commands: ``attune serve`` (the local API server) and ``attune token`` (pairing)."""

import gc
import ipaddress
import logging
import sys
import threading

import click

from attune.server import security


def _is_loopback(host):
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _load(holder):
    holder.get()
    # What is loaded now lives as long as the server: keep it out of every garbage
    # collection, where a full pass over it paused all requests for tens of ms.
    gc.collect()
    gc.freeze()


def _check_host(host, allow_remote):
    """True when ``host`` is not loopback (allowed only with --allow-remote, and then with a warning)."""
    remote = not _is_loopback(host)
    if remote and not allow_remote:
        raise click.ClickException(
            f"refusing to listen on non-loopback address {host}; add --allow-remote if you really mean it"
        )
    if remote:
        click.echo(
            f"WARNING: listening on {host}: anyone who can reach this address and has the token "
            "can read what you send to this server. Use 127.0.0.1 unless you know why not.",
            err=True,
        )
    return remote


def _start_app(config):
    """The app for ``config`` and its model's version; the model itself loads in the background."""
    from attune.server import create_app

    app = create_app(config)
    holder = app.extensions["attune.model"]
    # Fail at start on a missing or corrupt artifact (hashes checked, nothing read), then load
    # it in the background: health should answer at once.
    version = holder.verify()
    with app.app_context():
        security.read_token(app.config.get("TOKEN_PATH"))
    threading.Thread(target=_load, args=(holder,), name="attune-model-load", daemon=True).start()
    return app, version


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False),
              help="Model directory to serve instead of the current one.")
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host (exposes the API).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads (concurrent analyses are batched across them).")
@click.option("--in-process", is_flag=True,
              help="Analyse in the server process instead of a model process beside it (slower under load).")
def serve(host, port, model_dir, allow_remote, threads, in_process):
    """Run the local API server that the browser extension talks to.

    Example:

        attune serve --port 8765
    """
    from attune.server.waitress_errors import create_server

    remote = _check_host(host, allow_remote)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    if host.lower() == "localhost":
        host = "127.0.0.1"  # one socket, one port; "localhost" may resolve to two addresses
    # Bind first (port 0 picks a free port), then build the app that knows its real port.
    apps = []
    try:
        # waitress's limit is a backstop above the app's MAX_CONTENT_LENGTH (1 MB, answered by Flask):
        # past it waitress stops reading and answers 413 itself, in JSON like every other error.
        server = create_server(
            lambda environ, start_response: apps[0](environ, start_response),
            host=host, port=port, threads=threads, ident="attune",
            max_request_body_size=2 * 1024 * 1024, expose_tracebacks=False,
        )
    except OSError as exc:  # port taken, address not ours, ...
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    bound_port = getattr(server, "effective_port", None) or server.effective_listen[0][1]
    # The model runs in a child process by default: see model.process for why.
    config = {"MODEL_PATH": model_dir, "PORT": bound_port, "MODEL_PROCESS": not in_process}
    if remote:
        config["ALLOWED_HOSTS"] = (host,)
    try:
        app, version = _start_app(config)
    except Exception:
        server.close()
        raise
    apps.append(app)

    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Attune {version} listening on http://{shown}:{bound_port}")
    click.echo("Pair the extension: run `attune token` and paste the token into the extension's options.")
    click.echo("Press Ctrl+C to stop.")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@click.command()
@click.option("--rotate", is_flag=True, help="Replace the token; paired extensions must pair again.")
def token(rotate):
    """Print the pairing token (the last line of output is the token alone).

    Example:

        attune token --rotate
    """
    path = security.token_path()
    value = security.rotate_token(path) if rotate else security.read_token(path)
    click.echo(("New token written" if rotate else "Token") + f" ({path}); paste it into the extension's options:",
               err=False)
    click.echo(value)


commands = [serve, token]
