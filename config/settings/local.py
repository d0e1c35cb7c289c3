from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The first look needs no authenticator app: the accounts load_demo made sign in with the
# password alone (never in production, which pins this off).
MFA_DEMO_EXEMPTION = env.bool("MFA_DEMO_EXEMPTION", default=True)
# WhiteNoise serves the static files from the apps' folders without collectstatic, so that
# the pages keep their styles with DJANGO_DEBUG=false (make demo: no debug pages).
WHITENOISE_USE_FINDERS = True
