"""The node's status page, served by the RPC transport at ``/dashboard``.

It is static HTML and vanilla JavaScript (no CDN, no build step) that polls the
node's own JSON-RPC endpoint, so it shows exactly what any client would see.
"""

from __future__ import annotations

from pathlib import Path

#: Directory of the page's files (index.html, app.js, style.css).
STATIC_DIR = Path(__file__).with_name("static")
