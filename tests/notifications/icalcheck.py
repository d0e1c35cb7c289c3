"""Helpers that read invitations the way calendar programs do: icalendar and ical.js."""

import email
import json
import shutil
import subprocess
from email.message import Message as MimeMessage
from pathlib import Path

import icalendar

SCRIPT = Path(__file__).with_name("ical_read.mjs")
ROOT = Path(__file__).resolve().parents[2]


def read_with_icaljs(ics: bytes) -> dict:
    """Parse with ical.js (installed by `make install` via npm ci); fails loudly without it."""
    node = shutil.which("node")
    assert node, "Node.js is needed to run ical.js"
    assert (ROOT / "node_modules" / "ical.js").is_dir(), "run `make install` (npm ci) first"
    result = subprocess.run(  # noqa: S603 - fixed script, our own input
        [node, str(SCRIPT)], input=ics, capture_output=True, check=False, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def read_with_icalendar(ics: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


def calendar_parts(raw: bytes | str) -> dict[str, object]:
    """The calendar parts of a MIME message: the text/calendar alternative (with its method
    parameter) and the .ics attachment."""
    parsed = email.message_from_bytes(raw if isinstance(raw, bytes) else raw.encode())
    found: dict[str, object] = {}
    for part in parsed.walk():
        assert isinstance(part, MimeMessage)
        if part.get_content_type() == "text/calendar":
            found["alternative"] = part.get_payload(decode=True)
            found["method_param"] = part.get_param("method")
            found["container"] = _container_of(parsed, part)
        elif part.get_filename() and part.get_filename().endswith(".ics"):
            found["attachment"] = part.get_payload(decode=True)
            found["attachment_name"] = part.get_filename()
    return found


def _container_of(root: MimeMessage, child: MimeMessage) -> str:
    for part in root.walk():
        if part.is_multipart() and any(p is child for p in part.get_payload()):
            return part.get_content_type()
    return ""
