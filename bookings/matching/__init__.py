"""The matching engine: hard rules (``rules``, ``checks``), eligibility in the database
(``eligibility.candidates_for``) and the explainable ranking (``ranking``)."""
