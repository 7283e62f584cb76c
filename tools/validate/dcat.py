"""Validates a running Vitrina's DCAT-AP catalog as data.europa.eu's
validator would: pySHACL with the SEMIC DCAT-AP 3.0.1 shapes kept in
standards/schemas/dcat-ap-3.0.1/ (the mandatory shapes, the ranges, the
recommended shapes and the controlled vocabularies), over the catalog in
both syntaxes and one dataset's entry. Any violation fails; warnings (a
recommended property left out, a publisher outside the EU's corporate
bodies list, which no municipality is in) are counted and shown.

(`shacl_dcat-ap-SHACL.ttl`, the set in one file, is refused by pySHACL
0.40 as holding a malformed property shape; its parts load.)

Usage: python tools/validate/dcat.py URL
"""

import os
import sys
from urllib.request import Request, urlopen

import pyshacl
from rdflib import Graph

SHAPES = [
    "html_shacl_shapes.ttl",
    "html_shacl_range.ttl",
    "html_shacl_shapes_recommended.ttl",
    "html_shacl_mdr-vocabularies.shape.ttl",
]


def shapes():
    folder = os.path.join(
        os.path.dirname(__file__), "..", "..", "standards", "schemas", "dcat-ap-3.0.1"
    )
    graph = Graph()
    for name in SHAPES:
        graph.parse(os.path.join(folder, name), format="turtle")
    return graph


def fetch(url, accept=None):
    request = Request(url, headers={"Accept": accept} if accept else {})
    with urlopen(request) as response:
        return response.headers.get("Content-Type", ""), response.read()


def validate(name, data, syntax, shape_graph):
    graph = Graph()
    graph.parse(data=data, format=syntax)
    conforms, results, text = pyshacl.validate(
        graph, shacl_graph=shape_graph, allow_warnings=True, inference="none"
    )
    warnings = text.count("Severity: sh:Warning")
    if not conforms:
        print(f"  INVALID: {name}")
        print("\n".join("    " + line for line in text.splitlines()[:80]))
        return False
    print(f"  valid: {name} ({len(graph)} triples, {warnings} warnings)")
    return True


def main(url):
    shape_graph = shapes()
    ok = True
    kind, turtle = fetch(url + "/catalog.ttl")
    assert kind.startswith("text/turtle"), kind
    ok &= validate("/catalog.ttl", turtle, "turtle", shape_graph)
    kind, jsonld = fetch(url + "/catalog.jsonld")
    assert kind.startswith("application/ld+json"), kind
    ok &= validate("/catalog.jsonld", jsonld, "json-ld", shape_graph)
    # Both syntaxes say the same.
    assert Graph().parse(data=turtle, format="turtle").isomorphic(
        Graph().parse(data=jsonld, format="json-ld")
    ), "the Turtle and JSON-LD catalogs differ"
    # Content negotiation at /catalog.
    kind, _ = fetch(url + "/catalog", "text/turtle")
    assert kind.startswith("text/turtle"), kind
    _, one = fetch(url + "/api/v1/datasets/burgas-budget/dcat.ttl")
    ok &= validate("/api/v1/datasets/burgas-budget/dcat.ttl", one, "turtle", shape_graph)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
