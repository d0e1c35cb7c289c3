"""The project's shared vocabulary: domain errors, the roles and topics every app names, the
local time zone and the reader's language. Every app may import core; core imports none of
them (tests/test_layering.py and ``make lint`` hold that)."""
