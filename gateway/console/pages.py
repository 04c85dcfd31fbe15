"""The console's pages, each a module that adds its routes to ``gateway.console.routes.router``:
imported once, when the console is mounted."""

from gateway.console import lag  # noqa: F401
