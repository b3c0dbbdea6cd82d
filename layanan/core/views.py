"""Public pages that belong to no single domain: the home page and honest placeholders."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from layanan.letters.selectors import letter_types_by_category


def home(request):
    return render(request, "core/home.html", {"catalogue": letter_types_by_category()})


class ComingSoonView(TemplateView):
    """A page that a later release fills, so that no menu link is ever broken."""

    template_name = "core/coming_soon.html"
    title = ""
    lead = _("This part of the service is being prepared and will be available soon.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, lead=self.lead, **kwargs)


class AttributionView(TemplateView):
    template_name = "core/attribution.html"
