from tests.support.people import coordinator, pool, staff  # noqa: F401 (fixtures)
