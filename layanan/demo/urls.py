from django.urls import path

from layanan.demo import views

app_name = "demo"

urlpatterns = [
    # The demo's own news portal; 404 unless LDM_DEMO_NEWS (debug mode, `make run`).
    path("demo/berita.xml", views.news_feed, name="news-feed"),
    path("demo/berita/<slug:slug>/", views.news_article, name="news-article"),
]
