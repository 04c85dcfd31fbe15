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
) -> None:
    if sdl:
        from gateway.schema import SDL_PATH
        from gateway.schema import sdl as make_sdl

        SDL_PATH.write_text(make_sdl())
        typer.echo(f"wrote {SDL_PATH}")
        return
    from gateway.app import create_gateway

    settings = GatewaySettings()
    uvicorn.run(
        create_gateway(settings, freeze_heap=True),
        host=host or settings.http_host,
        port=port or settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    cli()
