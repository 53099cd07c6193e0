"""`uvicorn relay.web.asgi:app`: the app built from the environment's settings, logging configured."""

from relay.ops.logging import configure_logging
from relay.settings import get_settings
from relay.web.app import create_app

configure_logging(get_settings())
app = create_app()
