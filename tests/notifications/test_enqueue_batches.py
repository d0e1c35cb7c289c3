"""Delivery tasks are sent after the commit, the rows of one transaction in few batches."""

import pytest
from django.db import transaction

from config.queue import enqueue_ids_on_commit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class FakeTask:
    name = "fake"

    def __init__(self):
        self.sent = []

    def apply_async(self, args):
        self.sent.append(list(args[0]))


def test_the_ids_of_one_transaction_go_out_in_batches_after_the_commit():
    task = FakeTask()

    with transaction.atomic():
        for n in range(7):
            enqueue_ids_on_commit(task, [2 * n, 2 * n + 1], batch_size=5)
        assert task.sent == []

    assert task.sent == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13]]


def test_a_rolled_back_savepoint_loses_nothing_of_the_rest():
    task = FakeTask()

    with transaction.atomic():
        enqueue_ids_on_commit(task, [1], batch_size=50)
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_ids_on_commit(task, [2], batch_size=50)
            raise RuntimeError
        enqueue_ids_on_commit(task, [3], batch_size=50)

    sent = [i for batch in task.sent for i in batch]
    assert {1, 3} <= set(sent)  # 2 may ride along: the task ignores rows that do not exist
    assert len(sent) == len(set(sent))


def test_a_rolled_back_transaction_sends_nothing_and_the_next_one_its_own():
    task = FakeTask()

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_ids_on_commit(task, [1], batch_size=50)
        raise RuntimeError
    assert task.sent == []
    with transaction.atomic():
        enqueue_ids_on_commit(task, [2], batch_size=50)

    sent = [i for batch in task.sent for i in batch]
    assert sent.count(2) == 1  # 1 may ride along (harmless), but 2 is never lost


def test_outside_a_transaction_the_task_goes_at_once():
    task = FakeTask()

    enqueue_ids_on_commit(task, [9], batch_size=50)

    assert task.sent == [[9]]


def test_a_task_given_by_its_registered_name_is_found_when_it_is_sent(monkeypatch):
    # The code that enqueues by name imports no tasks module (the tasks import that code).
    from bookings import tasks

    sent = []
    monkeypatch.setattr(
        tasks.booking_match_task, "apply_async", lambda args, **kw: sent.append(args)
    )

    with transaction.atomic():
        enqueue_ids_on_commit("bookings.tasks.booking_match_task", [4, 5], batch_size=50)
        assert sent == []

    assert sent == [([4, 5],)]


def test_the_tasks_enqueued_by_name_are_registered_under_those_names():
    from bookings.services.offers import BOOKING_MATCH_TASK
    from bookings.tasks import booking_match_task
    from notifications.constants import DELIVER_TASK
    from notifications.tasks import deliver_messages

    assert (booking_match_task.name, deliver_messages.name) == (BOOKING_MATCH_TASK, DELIVER_TASK)
