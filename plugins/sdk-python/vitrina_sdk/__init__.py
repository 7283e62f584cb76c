"""The Python SDK for Vitrina collector plugins.

A plugin collects one dataset from a municipal source and streams typed
rows to the host. With this SDK a plugin is a class with ``describe``,
``check`` (optional) and ``collect``, the same shape as the Rust SDK's
``Plugin`` trait; ``export`` turns it into the component's exports::

    from vitrina_sdk import Plugin, PluginInfo, Stream, Field, export

    class Hello(Plugin):
        def describe(self):
            return PluginInfo("hello", "0.1.0", "Says hello.").stream(
                Stream("greetings", "One greeting.")
                .field(Field.text("id", "Greeting id.").key())
                .field(Field.text("text", "The greeting.")))

        def collect(self, run):
            run.emit(run.row("greetings").set("id", "1").set("text", "Здравей"))

    WitWorld = export(Hello)

componentize-py builds it against ``wit/v0.2.0`` (``vitrina plugin build``).

Bulgarian normalization (numbers, dates, money, ЕИК, encodings) is the
host's, reached through the contract's ``normalize`` interface: the very
code the Rust SDK links, so every language reads a source the same way and
the Rust tests are its only test vectors (see ``vitrina_sdk.normalize``).
"""

from .errors import ConfigError, Denied, InternalError, SourceChanged, SourceUnavailable
from .schema import ConfigKey, Field, PluginInfo, Stream
from .run import Check, Run
from .plugin import Plugin, export
from . import fetch, log, normalize

CONTRACT_VERSION = "0.2.0"

__all__ = [
    "Check",
    "ConfigError",
    "ConfigKey",
    "CONTRACT_VERSION",
    "Denied",
    "Field",
    "InternalError",
    "Plugin",
    "PluginInfo",
    "Run",
    "SourceChanged",
    "SourceUnavailable",
    "Stream",
    "export",
    "fetch",
    "log",
    "normalize",
]
