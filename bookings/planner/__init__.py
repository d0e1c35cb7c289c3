"""The batch planner: assign a whole set of open requests at once.

``problem`` holds the plain data a plan is computed from (built from the database by
``selectors.problem_for_pool`` or by ``bench.generator``), ``feasibility`` the hard
constraints, ``engines`` the first-fit and greedy passes, ``cpsat`` the CP-SAT model of a
(sub)problem, ``solver`` the planner built on it and the exact solve, ``bounds`` the LP
bound (HiGHS). ``models`` (the Django models)/``services``/``apis`` store a plan for review
and apply it through the matching services.
"""
