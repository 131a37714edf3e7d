"""The dashboard (docs/dashboard.md): one function for every page, on its own API Gateway.
The app and its packages (FastAPI, Mangum, Jinja2) are the dashboard layer's
(layers/dashboard), which no API function gets."""

from dashboard.app import handler  # noqa: F401
