"""Build the POST an editor's browser would send from an admin form page."""

import datetime

from django.forms import MultiWidget


def _put(data, name, field, value):
    if isinstance(field.widget, MultiWidget):
        for i, part in enumerate(field.widget.decompress(value)):
            _put_value(data, f"{name}_{i}", part)
    else:
        _put_value(data, name, value)


def _put_value(data, name, value):
    if value is None or value is False:
        return
    if value is True:
        data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    elif isinstance(value, datetime.date | datetime.time):
        data[name] = value.isoformat()
    else:
        data[name] = str(value)


def _form(data, form):
    for name, field in form.fields.items():
        _put(data, form.add_prefix(name), field, form[name].value())


def form_data(response, **changes):
    """The admin form on `response` as it would be submitted, with `changes` applied."""
    data = {}
    _form(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        _form(data, formset.management_form)
        for form in formset.forms:
            _form(data, form)
    data.update({key: value for key, value in changes.items()})
    return {key: value for key, value in data.items() if value is not None}


def confirm_delete(client, url):
    """Open an admin delete page and confirm it, as an editor does: the
    confirmation carries the version of the object the page showed."""
    page = client.get(url)
    return client.post(url, {"post": "yes", "version": page.context["object"].version})
