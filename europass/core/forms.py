"""How the portal renders its forms: accessible errors (WCAG 3.3.1, 4.1.2) in one place."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class PortalFormRenderer(DjangoTemplates):
    """Every ``{{ form }}`` of the portal (allauth's too) starts, when the form failed, with an error summary that is
    announced (``role="alert"``), takes the focus (static/js/forms.js) and links to each field in error; each field
    keeps Django's label, help text and errors, its ``aria-invalid`` and its ``aria-describedby`` (help and errors).
    Templates that lay fields out themselves include ``forms/error_summary.html`` and render ``{{ field.errors }}``
    (which carries the id that ``aria-describedby`` names)."""

    form_template_name = "forms/form.html"
