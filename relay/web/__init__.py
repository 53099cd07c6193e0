"""The web service: server-rendered pages (Jinja2) and the JSON API, over the same functions the CLI calls."""
