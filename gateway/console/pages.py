"""The console's pages, each a module that adds its routes to ``gateway.console.routes.router``:
imported once, when the console is mounted."""

from gateway.console import dead_letters, lag, projections, tail  # noqa: F401
