"""The dashboard (docs/dashboard.md): one Lambda function (functions/dashboard) serving a
FastAPI app behind Mangum on its own API Gateway, server-rendered with Jinja2, no
JavaScript. Its code and its third-party packages are its own layer (layers/dashboard),
so the API functions' shared layer does not grow."""
