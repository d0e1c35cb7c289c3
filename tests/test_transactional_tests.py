"""Tests that commit restore the database they found, whatever runs before or after them."""

from types import SimpleNamespace

import pytest

from tests.conftest import pytest_collection_modifyitems


def collected(mark: pytest.MarkDecorator | None) -> SimpleNamespace:
    return SimpleNamespace(
        nodeid="tests/test_x.py::test_commits",
        get_closest_marker=lambda name: (
            mark.mark if mark is not None and name == "django_db" else None
        ),
    )


def test_a_committing_test_without_serialized_rollback_is_refused_at_collection():
    with pytest.raises(pytest.UsageError, match=r"serialized_rollback=True: .*test_commits"):
        pytest_collection_modifyitems(None, [collected(pytest.mark.django_db(transaction=True))])


@pytest.mark.parametrize(
    "mark",
    [
        pytest.mark.django_db(transaction=True, serialized_rollback=True),
        pytest.mark.django_db,
        None,
    ],
)
def test_committing_tests_that_restore_and_every_other_test_are_collected(mark):
    pytest_collection_modifyitems(None, [collected(mark)])
