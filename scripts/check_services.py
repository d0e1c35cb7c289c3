"""`make prod` starts the web, the workers and beat, not PostgreSQL and Redis: this checks that
the ones DATABASE_URL and REDIS_URL name are up, and says so (exit 1 with the reason if not)."""

import os
import sys
from urllib.parse import urlsplit


def _where(url: str) -> str:
    """host:port/path, without the password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}{parts.path}"


def main() -> int:
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        print("make prod: set DATABASE_URL (PostgreSQL) and REDIS_URL (Redis).", file=sys.stderr)
        return 1
    import psycopg
    import redis

    where_db, where_redis = _where(database_url), _where(redis_url)
    try:
        url = database_url.replace("postgres://", "postgresql://", 1)
        psycopg.connect(url, connect_timeout=3).close()
    except Exception as exc:
        print(f"make prod: PostgreSQL at {where_db} is not reachable: {exc}", file=sys.stderr)
        return 1
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        print(f"make prod: Redis at {where_redis} is not reachable: {exc}", file=sys.stderr)
        return 1
    print(
        f"make prod: PostgreSQL ({where_db}) and Redis ({where_redis}) are up; "
        "make prod does not start or stop them."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
