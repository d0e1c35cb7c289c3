"""REST API v1 of bookings: ``bookings`` (request, list, detail, approve, refuse, cancel),
``reports`` (report, confirm, dispute); matching and offers add their own modules."""
