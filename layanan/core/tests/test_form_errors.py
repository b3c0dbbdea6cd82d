"""The error summary of every form (GOV.UK's pattern): at the top, announced and focused,
each error a link to its field; each field's own message beside it."""

import re

from django import forms
from django.template import Context, Template


class _Form(forms.Form):
    name = forms.CharField(label="Nama")
    agree = forms.BooleanField(label="Setuju")
    choice = forms.ChoiceField(
        label="Pilihan", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        self.add_error(None, "Ada yang tidak cocok.")
        return self.cleaned_data


def _render(form: forms.Form) -> str:
    template = Template(
        '{% load forms_ui %}{% include "includes/form_errors.html" %}'
        "{% field form.name %}{% field form.agree %}"
    )
    return " ".join(template.render(Context({"form": form})).split())


def test_a_valid_or_unbound_form_shows_no_summary():
    assert "data-error-summary" not in _render(_Form())


def test_the_summary_lists_every_error_and_links_each_to_its_field():
    form = _Form({"name": ""})
    form.is_valid()

    html = _render(form)

    summary = re.search(r"<div [^>]*data-error-summary>(.*?)</div>", html)
    assert summary
    assert 'role="alert"' in html and 'tabindex="-1"' in html  # announced, and focusable
    assert "core/error-summary.js" in html  # which moves the focus to it
    items = re.findall(r"<li>(.*?)</li>", summary.group(1))
    assert len(items) == 5
    assert items[0] == "Ada yang tidak cocok."  # the form's own error, first, no link
    assert "<a" not in items[1]  # the hidden field's: no field to go to
    links = re.findall(r'<a class="alert-link" href="#([^"]+)">', summary.group(1))
    assert links == ["id_name", "id_agree", "id_choice"]


def test_each_field_shows_its_own_message_beside_it():
    form = _Form({"name": ""})
    form.is_valid()

    html = _render(form)

    assert 'aria-describedby="id_name_error"' in html
    assert re.search(r'<div id="id_name_error" class="invalid-feedback d-block">', html)
