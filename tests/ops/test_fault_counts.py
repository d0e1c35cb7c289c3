"""How ``make faults`` counts the e-mails Django's file back-end wrote to a disk that ran
full (``tests.support.fault_traffic.file_counts``): a message cut short by the full disk is
no delivery; its next attempt, once there is space, is the one delivery.

The disk is a real 1 MiB tmpfs (mounting needs root, as in CI and for ``make faults``) and
the files are written by Django's own file back-end.
"""

from pathlib import Path

import pytest
from django.core.mail import EmailMessage, get_connection

from scripts.faults import fill, small_disk
from tests.support.fault_traffic import file_counts, file_fragments


def message(mid):
    # Larger than the room left on the disk, so the full disk cuts it short.
    return EmailMessage(
        "Einsatz bestätigt",
        "Termin\n" * 4000,
        "pool@example.org",
        ["sm@example.org"],
        headers={"Message-ID": mid},
    )


def send(folder, *messages):
    get_connection(
        "django.core.mail.backends.filebased.EmailBackend", file_path=str(folder)
    ).send_messages(list(messages))


@pytest.fixture
def disk(tmp_path):
    with small_disk(tmp_path, mount=True, size="1m") as disk:
        yield disk


def cut_short(disk: Path, mid: str) -> Path:
    """Send ``mid`` to ``disk``/mail with 3 pages of 4 KiB left, which the full disk cuts
    short; then give the space back. Returns the mail folder."""
    mail = disk / "mail"
    mail.mkdir()
    filler = disk / "filler"
    fill(filler)
    with filler.open("r+b") as out:
        out.truncate(filler.stat().st_size - 3 * 4096)
    with pytest.raises(OSError, match="No space left"):
        send(mail, message(mid))
    filler.unlink()
    return mail


def test_a_message_the_full_disk_cut_short_is_not_counted_and_its_next_attempt_is(disk):
    mail = cut_short(disk, "<cut@spm>")

    fragment = b"".join(path.read_bytes() for path in mail.glob("*.log"))
    assert b"Message-ID: <cut@spm>" in fragment  # the headers made it, the end did not
    assert file_counts(mail) == {}
    assert file_fragments(mail) == 1

    send(mail, message("<cut@spm>"))
    send(mail, message("<other@spm>"))

    assert file_counts(mail) == {"<cut@spm>": 1, "<other@spm>": 1}


def test_a_whole_message_appended_after_a_fragment_in_the_same_file_is_counted_once(disk):
    mail = cut_short(disk, "<cut@spm>")
    (fragment,) = mail.glob("*.log")
    whole = disk / "whole"
    whole.mkdir()
    send(whole, message("<next@spm>"), message("<cut@spm>"))
    (written,) = whole.glob("*.log")
    # The back-end names its file by the second and its own id(), so a later back-end can
    # append to the file a failed one left: the next message follows the fragment directly.
    with fragment.open("ab") as out:
        out.write(written.read_bytes())

    assert file_counts(mail) == {"<next@spm>": 1, "<cut@spm>": 1}


def test_every_whole_message_counts_also_when_sent_twice(disk):
    mail = disk / "mail"
    mail.mkdir()
    send(mail, message("<twice@spm>"))
    send(mail, message("<twice@spm>"), message("<once@spm>"))

    assert file_counts(mail) == {"<twice@spm>": 2, "<once@spm>": 1}
    assert file_fragments(mail) == 0
