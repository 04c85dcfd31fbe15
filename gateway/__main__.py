"""``python -m gateway``: serve the GraphQL gateway (``--sdl`` writes gateway/schema.graphql)."""

from __future__ import annotations

import typer
import uvicorn

from gateway.settings import GatewaySettings

cli = typer.Typer(help="Houqin's GraphQL gateway", no_args_is_help=False)


@cli.command()
def serve(
    host: str | None = typer.Option(None, help="Listen address"),
    port: int | None = typer.Option(None, help="Listen port (default 8000)"),
    sdl: bool = typer.Option(False, "--sdl", help="Write gateway/schema.graphql and exit"),
    processes: int = typer.Option(
        1,
        min=1,
        envvar="HOUQIN_GATEWAY_PROCESSES",
        help="Gateway processes sharing the port: the gateway keeps no state between requests, "
        "so it scales by process (one event loop per core)",
    ),
) -> None:
    if sdl:
        from gateway.schema import SDL_PATH
        from gateway.schema import sdl as make_sdl

        SDL_PATH.write_text(make_sdl())
        typer.echo(f"wrote {SDL_PATH}")
        return
    from gateway.app import create_gateway
    from services.eventkit.cli import listen_options

    settings = GatewaySettings()
    settings.refuse_unsafe_or_exit()
    listen = listen_options(settings, host, port, graceful_s=10, max_message_bytes=settings.gateway_max_body_bytes)
    if processes > 1:  # uvicorn's supervisor starts each from the factory and replaces any that dies
        uvicorn.run("gateway.app:served_gateway", factory=True, workers=processes, **listen)
    else:
        uvicorn.run(create_gateway(settings, freeze_heap=True, serve_metrics_port=True), **listen)


if __name__ == "__main__":
    cli()
