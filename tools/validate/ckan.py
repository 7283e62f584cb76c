"""Reads a running Vitrina through CKAN's Action API with the real
`ckanapi` client, as a CKAN portal's harvester or a script would: its
Python `RemoteCKAN` (which POSTs each action as JSON) and its command
line (`ckanapi action ... -r URL`, which does the same). Fails on any
answer ckanapi cannot read or that says something else than the
catalog does.

Usage: python tools/validate/ckan.py URL
"""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit
from urllib.request import urlopen

from ckanapi import NotFound, RemoteCKAN, ValidationError


def check(url):
    ckan = RemoteCKAN(url, user_agent="vitrina-ci/ckanapi")
    status = ckan.action.status_show()
    assert status["ckan_version"].startswith("2."), status

    names = ckan.action.package_list()
    assert "burgas-budget" in names, names
    catalog = json.load(urlopen(url + "/api/v1/datasets?limit=100"))
    assert sorted(names) == sorted(d["id"] for d in catalog["datasets"]), (names, catalog)

    package = ckan.action.package_show(id="burgas-budget")
    assert package["name"] == "burgas-budget" and package["title"], package
    formats = {r["format"] for r in package["resources"]}
    assert {"CSV", "JSON"} <= formats, formats
    for resource in package["resources"]:
        path = urlsplit(resource["url"]).path
        assert path.startswith("/api/v1/datasets/burgas-budget/versions/"), resource
        assert resource["size"] > 0, resource
        again = ckan.action.resource_show(id=resource["id"])
        assert again == resource, (again, resource)

    found = ckan.action.package_search(
        q="бюджет", fq="res_format:CSV", rows=5, **{"facet.field": ["organization", "res_format"]}
    )
    assert found["count"] >= 1, found
    assert any(p["name"] == "burgas-budget" for p in found["results"]), found
    assert "organization" in found["search_facets"], found

    # What CKAN's own harvester asks on every run after its first.
    harvest = ckan.action.package_search(
        fq="metadata_modified:[2000-01-01T00:00:00.000Z TO *]", sort="id asc", rows=100, start=0
    )
    assert harvest["count"] == len(names), harvest
    assert [p["id"] for p in harvest["results"]] == sorted(names), harvest

    organizations = ckan.action.organization_list(all_fields=True)
    assert organizations, organizations
    first = ckan.action.organization_show(id=organizations[0]["name"], include_datasets=True)
    assert first["package_count"] >= 1, first

    try:
        ckan.action.package_show(id="no-such-dataset")
        raise AssertionError("an unknown package was found")
    except NotFound:
        pass
    try:
        ckan.action.package_search(fq="groups:anything")
        raise AssertionError("an unknown filter field was accepted")
    except ValidationError:
        pass

    # The command line, as the example runs it.
    cli = os.path.join(os.path.dirname(sys.executable), "ckanapi")
    shown = subprocess.run(
        [cli, "action", "package_show", "id=burgas-budget", "-r", url],
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(shown.stdout)["name"] == "burgas-budget", shown.stdout
    print(f"  ckanapi read {len(names)} packages, {len(organizations)} organizations, "
          f"{len(package['resources'])} resources of burgas-budget, and a search")


if __name__ == "__main__":
    check(sys.argv[1].rstrip("/"))
