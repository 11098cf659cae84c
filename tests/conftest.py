"""Hypothesis profiles: CI runs a fixed set of examples (reproducible), locally they vary.

Choose with HYPOTHESIS_PROFILE=dev|ci|intense; CI=true selects "ci".
"""

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("intense", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
