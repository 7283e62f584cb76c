"""schemathesis hooks for tools/validate/api.sh.

Some inputs of the rows API are valid or not depending on the dataset
named in the path and on the pages the API has issued, which no static
description can list:

- field names in `fields`, `sort` and filters (`?budget__gte=`), and the
  values a filter takes (its field's type);
- cursors, which only the API writes (the `next` of a page of rows or
  of changes);
- row keys, whose number of values is the dataset's primary key's.

A webhook subscription set through the admin API is checked against the
daemon's own environment: its secret must be readable (`env:NAME` or
`file:/path`), its target must resolve to public addresses, its datasets
must exist. A subscription of the right shape that the daemon cannot
honour gets the documented 422 `invalid_config` naming what to fix.

The OpenAPI description states their syntax exactly (patterns), so
schemathesis checks that everything outside it is rejected. A request
inside it that the dataset cannot answer gets the documented 400 with a
stable code: `bad_query` listing the dataset's fields (`valid_fields`),
`bad_cursor` or `bad_key`. Only those answers, and only as
"schema-valid request rejected" findings, are dropped here; schemathesis
counts them in its summary as dropped by `filter_failure`.
"""

import json

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

# The operations whose inputs depend on the dataset.
ROWS = (
    "/api/v1/datasets/{id}/rows",
    "/api/v1/datasets/{id}/rows.json",
    "/api/v1/datasets/{id}/rows.csv",
    "/api/v1/datasets/{id}/rows.ndjson",
    "/api/v1/datasets/{id}/rows/{key}",
)

# The changes between versions: only their cursors depend on the API.
CHANGES = (
    "/api/v1/datasets/{id}/changes",
    "/api/v1/datasets/{id}/changes.json",
    "/api/v1/datasets/{id}/changes.ndjson",
)

# A dataset's further tables answer the same, each by its own schema.
ROWS += tuple(p.replace("{id}", "{id}/tables/{table}") for p in ROWS)
CHANGES += tuple(p.replace("{id}", "{id}/tables/{table}") for p in CHANGES)


# A webhook subscription, set through the admin API.
WEBHOOK = "/api/v1/admin/webhooks/{name}"


def environment_dependent(response):
    """Whether a 422 says the daemon cannot honour a well-formed subscription."""
    if response.status_code != 422:
        return False
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return error.get("code") == "invalid_config" and error.get("message", "").startswith(
        ("secret:", "url:", "datasets:", "name ")
    )


def error_code(response):
    """The stable code of a 400's error document, if it is one."""
    if response.status_code != 400:
        return None
    try:
        return json.loads(response.content)["error"].get("code")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def dataset_dependent(response):
    """Whether a 400 says the request does not fit this dataset."""
    if response.status_code != 400:
        return False
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    code = error.get("code")
    if code in ("bad_cursor", "bad_key"):
        return True
    # A bad_query about the query's shape (a bad limit, a repeated
    # parameter) has no field list, and is not dropped.
    return code == "bad_query" and bool(error.get("valid_fields"))


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if not isinstance(failure, RejectedPositiveData):
        return True
    if case.operation.path in ROWS and dataset_dependent(response):
        return False
    if case.operation.path in CHANGES and error_code(response) == "bad_cursor":
        return False
    if case.operation.path == WEBHOOK and environment_dependent(response):
        return False
    return True
