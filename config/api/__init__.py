"""Building blocks shared by every REST API v1 module: permissions, fields, parsing,
pagination and throttling. The views themselves live in each app's ``apis`` module."""
