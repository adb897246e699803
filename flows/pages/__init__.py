"""One page object per portal page, found by role and label in French and English."""

from flows.pages.documents import DocumentsPage
from flows.pages.home import HomePage
from flows.pages.login import LoginPage

__all__ = ["DocumentsPage", "HomePage", "LoginPage"]
