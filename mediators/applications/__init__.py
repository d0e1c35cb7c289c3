"""Applications to become a mediator: the public form's intake, and the coordinators'
decision (accept: onboarding with the invitation; decline: a message to the applicant)."""
