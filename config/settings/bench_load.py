"""Load benchmark settings (`make bench-load`): production settings as they are, plus the
baseline view and a fixed Kode Keamanan so that the benchmark can log in. Never deploy."""

from config.settings.production import *
from config.settings.production import env

ROOT_URLCONF = "config.urls_bench"
# The one convenience: the benchmark types the Kode Keamanan it knows.
LDM_CAPTCHA_FIXED_CODE = env.str("LDM_BENCH_CAPTCHA", default="4531")
