"""Build the POST an editor's browser would send, from the HTML of an admin page.

A browser submits every control of the form: hidden inputs included, empty
ones as empty strings, a single select's first option when none is selected,
checked boxes only, and the name of the button that was pressed. The empty
template row of each inline (``prefix-__prefix__-…``) is part of the form too,
so it is posted as well, as Django's admin expects. Tests that build the POST
from anything but the page would miss what the page really sends.
"""

from html.parser import HTMLParser

SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


class _Controls(HTMLParser):
    """Every form on a page: its controls, in document order, and its submit buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"attrs": attrs, "fields": [], "buttons": [], "names": set()}
            self.forms.append(self._form)
        if self._form is None or "disabled" in attrs:
            return
        name, kind = attrs.get("name"), (attrs.get("type") or "text").lower()
        if name and tag in ("input", "select", "textarea"):
            self._form["names"].add(name)
        if tag == "input" and name:
            if kind in ("submit", "image"):
                self._form["buttons"].append((name, attrs.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form["fields"].append((name, attrs.get("value", "on")))
            elif kind not in SKIPPED_INPUTS:
                self._form["fields"].append((name, attrs.get("value", "")))
        elif tag == "button" and name and kind == "submit":
            self._form["buttons"].append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "options": [], "chosen": []}
        elif tag == "option" and self._select is not None:
            self._option = attrs.get("value")
            self._option_text = ""
            self._select["options"].append(attrs.get("value"))
            if "selected" in attrs:
                self._select["chosen"].append(len(self._select["options"]) - 1)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": []}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"].append(data)
        elif self._select is not None and self._select["options"] and self._select["options"][-1] is None:
            self._select["options"][-1] = data.strip()  # an option without a value submits its text

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            options, chosen = select["options"], select["chosen"]
            if not select["multiple"] and not chosen and options:
                chosen = [0]
            if not select["multiple"] and len(chosen) > 1:
                chosen = chosen[-1:]
            for i in chosen:
                self._form["fields"].append((select["name"], options[i] or ""))
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea["text"])
            # The HTML parser drops one newline right after <textarea>.
            self._form["fields"].append((self._textarea["name"], text.removeprefix("\n")))
            self._textarea = None


class Post(dict):
    """Form data, knowing the names of the form's controls (posted or not)."""

    names = frozenset()


def page_form(response, form_id=None):
    """The controls and buttons of the page's form `form_id`, or of its main
    POST form: the one with a CSRF token and the most controls (not the
    header's log-out button)."""
    parser = _Controls()
    parser.feed(response.content.decode())
    if form_id is not None:
        forms = [form for form in parser.forms if form["attrs"].get("id") == form_id]
    else:
        forms = [
            form
            for form in parser.forms
            if (form["attrs"].get("method") or "get").lower() == "post"
            and any(name == "csrfmiddlewaretoken" for name, _ in form["fields"])
            and form["attrs"].get("id") != "logout-form"
        ]
    assert forms, f"no form {form_id or 'to post'} on the page"
    return max(forms, key=lambda form: len(form["fields"]))


ENTER = object()  # the form submitted by pressing Enter: with its first button


def form_data(response, submit=ENTER, form_id=None, **changes):
    """The POST a browser sends from the page's form, after the editor made
    `changes` (name: value; a list for a multiple select; None unticks or
    clears the control) and pressed the button named `submit` (by default
    Enter, which presses the form's first button; None: no button)."""
    form = page_form(response, form_id)
    data = Post()
    data.names = form["names"]
    for name, value in form["fields"]:
        if name in data:
            data[name] = [*(data[name] if isinstance(data[name], list) else [data[name]]), value]
        else:
            data[name] = value
    if submit is ENTER:
        submit = form["buttons"][0][0] if form["buttons"] else None
    if submit is not None:
        buttons = dict(form["buttons"])
        assert submit in buttons, f"no button {submit!r} on the form; it has {sorted(buttons)}"
        data[submit] = buttons[submit]
    for name, value in changes.items():
        assert name in form["names"], f"the form has no control {name!r}"
        _apply(data, name, value)
    return data


def add_row(data, prefix, **values):
    """Add an inline row as the admin's "Add another" link does: a copy of the
    empty template row under the next index, with `values` typed in."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    template = f"{prefix}-__prefix__-"
    row = {name.replace("__prefix__", str(index)): value for name, value in data.items() if name.startswith(template)}
    assert row, f"the form has no empty {prefix} row to copy"
    data.update(row)
    for name, value in values.items():
        assert f"{template}{name}" in data.names, f"the {prefix} row has no control {name!r}"
        _apply(data, f"{prefix}-{index}-{name}", value)
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    return index


def _apply(data, name, value):
    if value is None or value is False:
        data.pop(name, None)
    elif value is True:
        data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    else:
        data[name] = str(value)


def confirm_delete(client, url):
    """Open an admin delete page and confirm it, as an editor does: the
    confirmation carries the version of the object the page showed."""
    return client.post(url, form_data(client.get(url), submit=None))
