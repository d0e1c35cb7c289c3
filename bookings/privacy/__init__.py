"""The GDPR duties (PRODUCT.md, "Privacy and trust"; docs/privacy.md): retention, access to
one's data (Art. 15), erasure (Art. 17) and the access log as coordinators read it.

``retention`` anonymises the bookings past their pool's retention period (the nightly job);
``erasure`` erases a person and keeps a pseudonym; ``selectors`` holds the export of a
person's data and the filtered access log; ``apis`` the REST endpoints.
"""
