"""The contract's generated bindings, and conversions into them.

componentize-py generates the ``wit_world`` package from ``wit/v0.2.0``
when it builds a plugin; nothing else in the SDK names a generated type.
"""

import datetime as _dt
import decimal as _decimal
import json as _json

from wit_world.imports import types  # noqa: F401  (re-exported)
from wit_world.imports import config, fetch, log, normalize, sink, state  # noqa: F401

_KINDS = {
    "boolean": types.FieldType.BOOLEAN,
    "integer": types.FieldType.INTEGER,
    "decimal": types.FieldType.DECIMAL,
    "float": types.FieldType.FLOAT,
    "text": types.FieldType.TEXT,
    "date": types.FieldType.DATE,
    "datetime": types.FieldType.DATETIME,
    "json": types.FieldType.JSON,
}


def field(f):
    return types.Field(
        name=f.name,
        kind=_KINDS[f.type],
        nullable=f.nullable and not f.is_key,
        description=f.description,
        unit=f.unit,
    )


def stream(s):
    return types.StreamSchema(
        name=s.name,
        description=s.description,
        fields=[field(f) for f in s.fields],
        primary_key=s.primary_key,
    )


def plugin_info(info):
    return types.PluginInfo(
        id=info.id,
        version=info.version,
        description=info.description,
        profile=info.profile,
        streams=[stream(s) for s in info.streams],
        config=[
            types.ConfigKey(name=k.name, description=k.description, required=k.required, secret=k.secret)
            for k in info.config
        ],
    )


def cell(kind, value):
    """A value as the cell its field's type takes; ``ValueError`` when it
    cannot be one."""
    if value is None:
        return types.Cell_Null()
    if kind == "boolean":
        if isinstance(value, bool):
            return types.Cell_Boolean(value)
    elif kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            if -(2**63) <= value < 2**63:
                return types.Cell_Integer(value)
    elif kind == "decimal":
        if isinstance(value, (int, _decimal.Decimal)) and not isinstance(value, bool):
            number = _decimal.Decimal(value)
            if number.is_finite():
                # Plain notation, never an exponent: `1E+3` is `1000`.
                return types.Cell_Decimal(format(number, "f"))
        elif isinstance(value, str):
            return cell(kind, _decimal.Decimal(value))
    elif kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return types.Cell_Float(float(value))
    elif kind == "text":
        if isinstance(value, str):
            return types.Cell_Text(value)
    elif kind == "date":
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return types.Cell_Date(value.isoformat())
        if isinstance(value, str):
            return types.Cell_Date(_dt.date.fromisoformat(value).isoformat())
    elif kind == "datetime":
        if isinstance(value, _dt.datetime) and value.tzinfo is not None:
            return types.Cell_Datetime(value.isoformat())
        if isinstance(value, str):
            return cell(kind, _dt.datetime.fromisoformat(value))
    elif kind == "json":
        return types.Cell_Json(_json.dumps(value, ensure_ascii=False))
    raise ValueError(f"{value!r} is not a {kind}")


def cell_size(c):
    value = getattr(c, "value", None)
    return len(value) if isinstance(value, str) else 8
