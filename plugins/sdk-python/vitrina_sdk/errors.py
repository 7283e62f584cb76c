"""The errors a plugin raises, each a kind of failure the host acts on.

The kind decides what the host does next: a ``SourceUnavailable`` is
retried with backoff, the others wait for a person. Any other exception is
a bug in the plugin (``internal``), reported with its traceback's last line.
"""


class PluginError(Exception):
    """A failure the plugin reports; subclasses say which kind."""

    kind = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(PluginError):
    """The dataset's configuration is wrong or incomplete: not retried."""

    kind = "config"


class SourceUnavailable(PluginError):
    """The source did not answer, or answered with a server error: retried."""

    kind = "source-unavailable"


class SourceChanged(PluginError):
    """The source answered, but its format moved: a person must look."""

    kind = "source-changed"


class Denied(PluginError):
    """The host refused something the plugin asked for."""

    kind = "denied"


class InternalError(PluginError):
    """A bug in the plugin."""

    kind = "internal"
