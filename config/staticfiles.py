"""The static files' storage in production: WhiteNoise's hashed, compressed files, gzip only.

WhiteNoise also writes a Brotli copy of every file when the ``brotli`` package is importable.
The production image has no ``brotli``, but a development or CI environment does (Locust, in
the dev group, pulls it in), and Brotli at its highest quality made ``collectstatic`` at each
web start take 90 s on a busy 2-core machine instead of a few seconds. Gzip only, everywhere:
the same files in every environment, and every browser reads gzip.
"""

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)
