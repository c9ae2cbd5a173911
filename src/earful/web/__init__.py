"""The dashboard and REST API (`earful serve`): FastAPI pages over the store, role-based access.

``create_app(db_path)`` returns the ASGI app; users, sessions and tokens live in the store
(migration 006). See docs/web.md.
"""

from __future__ import annotations

from earful.web.app import create_app

__all__ = ["create_app"]
