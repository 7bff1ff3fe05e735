"""Entry point for gunicorn (``gunicorn wsgi:app``) and the Flask CLI."""

from cadre_app import create_app

app = create_app()
