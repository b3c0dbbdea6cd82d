"""Background tasks of public information: they call services."""

from celery import shared_task

from layanan.content.services import news_fetch


@shared_task(acks_late=True, ignore_result=True)
def fetch_news() -> str:
    """Fetch the portal's news (the beat schedule runs it every LDM_NEWS_FETCH_MINUTES).

    Portal failures are recorded by the service, not raised: a retry storm against a portal
    that is down helps nobody, and the next scheduled run tries again.
    """
    result = news_fetch()
    return result.error_kind or f"{result.created} new, {result.updated} updated"
