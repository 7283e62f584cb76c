"""Plugin, stream and field descriptions, built as the Rust SDK builds them."""

from dataclasses import dataclass, field as dataclass_field
from typing import List, Optional

# Written beside the SDK by `vitrina plugin build` from the profiles the
# host holds plugins to.
from .profiles import PROFILES

TYPES = ("boolean", "integer", "decimal", "float", "text", "date", "datetime", "json")

# A Table Schema type as the host maps it.
PROFILE_TYPES = {
    "string": "text",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "array": "json",
    "object": "json",
}


@dataclass
class Field:
    """One column: a machine name, a type, what it means."""

    name: str
    type: str
    description: str
    nullable: bool = False
    is_key: bool = False
    unit: Optional[str] = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"field `{self.name}`: type {self.type!r} is not one of {', '.join(TYPES)}")

    @classmethod
    def boolean(cls, name, description):
        return cls(name, "boolean", description)

    @classmethod
    def integer(cls, name, description):
        return cls(name, "integer", description)

    @classmethod
    def decimal(cls, name, description):
        return cls(name, "decimal", description)

    @classmethod
    def float(cls, name, description):
        return cls(name, "float", description)

    @classmethod
    def text(cls, name, description):
        return cls(name, "text", description)

    @classmethod
    def date(cls, name, description):
        return cls(name, "date", description)

    @classmethod
    def datetime(cls, name, description):
        return cls(name, "datetime", description)

    @classmethod
    def json(cls, name, description):
        return cls(name, "json", description)

    def optional(self) -> "Field":
        """The field may be null."""
        self.nullable = True
        return self

    def key(self) -> "Field":
        """The field is part of the primary key (never null)."""
        self.is_key = True
        return self

    def with_unit(self, unit: str) -> "Field":
        """The unit of a numeric field (``BGN``, ``EUR``, ``months``)."""
        self.unit = unit
        return self


@dataclass
class Stream:
    """One table the plugin produces."""

    name: str
    description: str
    fields: List[Field] = dataclass_field(default_factory=list)

    @classmethod
    def from_profile(cls, name: str, profile: str) -> "Stream":
        """The stream of a canonical profile (``budget``, ``decision``,
        ``procurement``, ``project``): its fields in order, typed, required
        ones not nullable, its key; the profile files the host holds
        plugins to (``profiles/`` of the repository, built in)."""
        schema = PROFILES.get(profile)
        if schema is None:
            raise ValueError(f"no profile `{profile}`; the profiles are {', '.join(sorted(PROFILES))}")
        stream = cls(name, schema.get("description", ""))
        key = schema.get("primaryKey") or []
        for spec in schema["fields"]:
            kind = PROFILE_TYPES.get(spec["type"], "text")
            required = (spec.get("constraints") or {}).get("required", False)
            f = Field(spec["name"], kind, spec.get("description") or spec.get("title") or spec["name"])
            if spec["name"] in key:
                f.key()
            elif not required:
                f.optional()
            stream.field(f)
        return stream

    @classmethod
    def from_source(cls, name: str, description: str) -> "Stream":
        """A stream whose fields come from the source: described without
        them, and declared with ``Run.declare`` during the run, before its
        first row."""
        return cls(name, description)

    def field(self, field: Field) -> "Stream":
        self.fields.append(field)
        return self

    def position(self, name: str) -> Optional[int]:
        for i, f in enumerate(self.fields):
            if f.name == name:
                return i
        return None

    @property
    def primary_key(self) -> List[str]:
        return [f.name for f in self.fields if f.is_key]


@dataclass
class ConfigKey:
    """A key of ``[config]`` in ``dataset.toml`` that the plugin reads."""

    name: str
    description: str
    required: bool = False
    secret: bool = False

    @classmethod
    def required_key(cls, name, description):
        return cls(name, description, required=True)

    @classmethod
    def optional_key(cls, name, description):
        return cls(name, description)

    def as_secret(self) -> "ConfigKey":
        """Read with ``Run.secret``; the host never logs it."""
        self.secret = True
        return self


@dataclass
class PluginInfo:
    """What a plugin says about itself."""

    id: str
    version: str
    description: str
    profile: Optional[str] = None
    streams: List[Stream] = dataclass_field(default_factory=list)
    config: List[ConfigKey] = dataclass_field(default_factory=list)

    def stream(self, stream: Stream) -> "PluginInfo":
        self.streams.append(stream)
        return self

    def key(self, key: ConfigKey) -> "PluginInfo":
        self.config.append(key)
        return self

    def claims(self, profile: str) -> "PluginInfo":
        """The canonical profile the first stream follows."""
        self.profile = profile
        return self
