"""Render form fields with Bootstrap classes and accessible error/help wiring."""

from django import forms, template

register = template.Library()


def _widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.inclusion_tag("includes/field.html")
def field(bound_field, **attrs):
    """One labelled field with its help text and errors, described for screen readers."""
    widget = bound_field.field.widget
    css = [_widget_class(widget)]
    if bound_field.errors:
        css.append("is-invalid")
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
    widget_attrs = {"class": " ".join(css), **{k.replace("_", "-"): v for k, v in attrs.items()}}
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    if bound_field.errors:
        widget_attrs["aria-invalid"] = "true"
    return {
        "field": bound_field,
        "widget_html": bound_field.as_widget(attrs=widget_attrs),
        "is_checkbox": isinstance(widget, forms.CheckboxInput),
    }
