"""What tests of pages allow in a page's HTML."""

# The one script every page loads (core/enhance.js, from base.html): deferred, served by the
# site itself, and optional. It registers the service worker and hides what only serves
# browsers without JavaScript; every page works the same without it.
ENHANCEMENT_SCRIPT = '<script src="/static/core/enhance.js" defer></script>'


def without_enhancement(html: str) -> str:
    """The page without its optional enhancement script; any other script (an injected
    one) stays for the test to find."""
    return html.replace(ENHANCEMENT_SCRIPT, "", 1)
