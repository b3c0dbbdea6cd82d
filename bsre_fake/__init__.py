"""A fake BSrE Esign Client Service for tests and demos: ``python -m bsre_fake --help``."""
