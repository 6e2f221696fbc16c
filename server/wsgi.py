"""A WSGI entry point for other servers (``gunicorn server.wsgi:app``); ``dmkg serve`` does not need it."""

from server import create_app

app = create_app()
