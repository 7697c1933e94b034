"""The site's public routes, read from the URLconf so that new pages are covered."""

from django.urls import URLPattern, URLResolver, get_resolver


def public_routes(resolver=None, namespace="", route=""):
    """(name, route, pattern) of every named URL outside the admin, however deeply included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from public_routes(entry, inner, route + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, route + str(entry.pattern), entry.pattern
