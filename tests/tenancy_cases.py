"""Tenancy cases: for each URL with an object id, build that id from another merchant's data.

Each case takes the other merchant and returns a list of kwargs dicts for ``reverse``.
"""

# URLs with no object of a merchant in them (lists, forms, public pages, device API with its
# own token auth). Their isolation is covered by the tests of each app.
PUBLIC_OR_OWN = {
    "portal:dashboard",
}

URL_CASES = {}
