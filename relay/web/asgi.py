"""`uvicorn relay.web.asgi:app`: the app built from the environment's settings."""

from relay.web.app import create_app

app = create_app()
