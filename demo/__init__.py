"""The Kreis Viersen demo: ``demo.loader.load_demo`` (``manage.py load_demo``) creates it once;
later calls only report the logins. An app of its own at the top: it builds bookings through
the services of every other app, and none of them knows it."""
