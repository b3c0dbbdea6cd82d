"""Storage for private files (identity documents, issued letters).

These files never get a URL: views stream them after checking who asks. A storage whose
``url()`` refuses makes a template or view that tries to link one fail loudly in tests
instead of leaking a path.
"""

from django.core.files.storage import FileSystemStorage

URL_REFUSED = "Private files are not accessible via a URL; stream them from a view."


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError(URL_REFUSED)
