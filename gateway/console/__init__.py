"""The operations console (``/console``): a web page where operations staff watch the district's
event streams live, see lag, inspect and replay dead letters, and rebuild projections.

Server-rendered HTML (Jinja2) with htmx and server-sent events; every asset is served from
``gateway/console/static`` (no build step, no CDN). Sign-in puts the operator's token in an
HttpOnly cookie; every page and stream acts with it, so an operator sees what their token covers."""
