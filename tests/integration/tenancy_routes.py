"""The API's routes, found from the router itself, for test_keystone_tenancy.py.

The collections are the names src/magnum/api/app.cc registers (`controllers["..."]`); the
fixed path words below them are the ones the controllers compare path segments with
(`rest[i] == "..."` in src/magnum/api/*.cc). A running magnumd is then asked, for every
path of up to four segments made of those words and identifiers and for every method,
whether it routes it: an answer other than 405 and the router's own 404 ("The resource
could not be found.") means yes. A fixed word counts as a route of its own only when it is
answered differently from an identifier in its place (`GET /clusters/detail` lists,
`GET /clusters/<uuid>` looks a cluster up; `GET /clusters/events` is a cluster named
"events"). The probe sends no body but `{}` and names only objects that do not exist,
below one existing cluster (so that its sub-collections are reached): it changes nothing.

A route is a (method, shape) pair, e.g. ("GET", "clusters/{id}/nodegroups/{id}").
"""
import glob
import itertools
import os
import re
import uuid

API_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src",
                       "magnum", "api")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Removed at microversion 1.11: asked at 1.10.
LEGACY = ("bays", "baymodels")
ROUTER_404 = "The resource could not be found."


def collections():
    with open(os.path.join(API_SRC, "app.cc")) as f:
        names = re.findall(r'controllers\["([a-z_]+)"\]', f.read())
    assert names, "no controllers found in app.cc"
    return names


def path_words():
    words = set()
    for path in glob.glob(os.path.join(API_SRC, "*.cc")):
        with open(path) as f:
            words |= set(re.findall(r'rest\[\d+\] == "([A-Za-z_\-]+)"', f.read()))
    return sorted(words)


def version_for(collection):
    return "container-infra 1.10" if collection in LEGACY else "container-infra latest"


def _shapes(words, depth=4, max_words=2):
    for d in range(depth + 1):
        for combo in itertools.product(("{id}",) + tuple(words), repeat=d):
            if sum(1 for s in combo if s != "{id}") <= max_words:
                yield combo


def _answer(m, headers, method, collection, segments):
    """(status, error text with the probe's own segments blanked), or None when the
    router does not know the path or the method."""
    r = m.request(method, "/v1/" + "/".join((collection,) + tuple(segments)),
                  body={} if method in ("POST", "PATCH") else None, headers=headers,
                  version=version_for(collection))
    if r.status >= 500:
        raise AssertionError("route probe: %s %s/%s answered %r" % (
            method, collection, "/".join(segments), r))
    detail = ""
    if isinstance(r.json, dict) and r.json.get("errors"):
        detail = r.json["errors"][0].get("detail", "")
    if r.status == 405 or (r.status == 404 and detail == ROUTER_404):
        return None
    # Longest first: a segment inside another ("pause" in "unpause") must not split it.
    for s in sorted(segments, key=len, reverse=True):
        detail = detail.replace(s, "{x}")
    return (r.status, detail)


def discover(m, headers, cluster):
    """The routes magnumd `m` answers, asked with `headers` (an admin); `cluster` is an
    existing cluster's uuid (its sub-collections are only reached through one).
    Returns (routes, number of requests)."""
    words = path_words()
    routes = set()
    asked = 0
    for collection in collections():
        for shape in _shapes(words):
            def concrete(shape):
                segs = []
                for i, s in enumerate(shape):
                    if s != "{id}":
                        segs.append(s)
                    elif collection == "clusters" and i == 0 and len(shape) > 1:
                        segs.append(cluster)
                    else:
                        segs.append(str(uuid.uuid4()))
                return segs
            for method in METHODS:
                asked += 1
                ans = _answer(m, headers, method, collection, concrete(shape))
                if ans is None:
                    continue
                distinct = True
                for i, s in enumerate(shape):
                    if s == "{id}":
                        continue
                    # The same path with a fresh identifier (not the cluster) in the
                    # word's place: answered alike, the word is just an identifier.
                    segs = concrete(shape)
                    segs[i] = str(uuid.uuid4())
                    asked += 1
                    if _answer(m, headers, method, collection, segs) == ans:
                        distinct = False
                        break
                if distinct:
                    routes.add((method, "/".join((collection,) + shape)))
    return routes, asked
