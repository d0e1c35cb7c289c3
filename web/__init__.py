"""Server-rendered pages for the three roles (institution staff, mediators, coordinators).

Layout (one app for every page, so the domain apps keep only their rules):

- ``templates/`` (project level): ``base.html`` (the layout: skip link, ``lang``/``dir``,
  navigation, language switch) and ``registration/`` (Django's auth views: sign-in,
  password reset, set-password from an invitation).
- ``web/urls.py``: one URL prefix per role (``/institution/``, ``/mediator/``,
  ``/coordinator/``); the auth URLs keep Django's names.
- ``web/views/``: one module per role (``institution``, ``mediator``, ``coordinator``,
  ``stats``) plus ``access`` (role checks) and ``common``. Views only call services and
  selectors of the domain apps; a service's ``DomainError`` is shown next to its field.
- ``web/forms/``: forms that check the shape of the input only.
- ``web/templates/web/<role>/``: the pages; ``web/templates/web/includes/``: shared parts.
- ``static/``: our own CSS and JS, and Chart.js vendored with its licence
  (``static/vendor/chart.js``); no page loads anything from another host.
- ``web/middleware.py``: mediator pages (and sign-in) come in de, en, ar, fa, uk, tr; the
  others in de and en. Catalogues: ``locale/`` (compiled by ``make install``/the tests).
- The statistics themselves live in ``bookings/stats/`` (selectors, tables, stats API).
"""
