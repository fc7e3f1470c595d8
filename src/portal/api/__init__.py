"""The JSON API (django-ninja, OpenAPI at /api/openapi.json), token-authenticated, same scopes as the pages."""
