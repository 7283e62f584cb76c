"""The plugin base class, and the exports componentize-py calls."""

import traceback

from componentize_py_types import Err

from . import wit
from .errors import PluginError
from .run import Check, Run


class Plugin:
    """Subclass it: ``describe`` and ``collect``, and ``check`` when the
    required keys being set is not check enough."""

    def describe(self):
        raise NotImplementedError

    def check(self, check):
        check.require_config()

    def collect(self, run):
        raise NotImplementedError


def _collect_error(error):
    """An exception as the contract's collect-error."""
    types = wit.types
    if isinstance(error, PluginError):
        kind, message = error.kind, error.message
    else:
        # A bug: its type, message and where it happened.
        last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        kind, message = "internal", f"{type(error).__name__}: {error}{where}"
    variant = {
        "config": types.CollectError_Config,
        "source-unavailable": types.CollectError_SourceUnavailable,
        "source-changed": types.CollectError_SourceChanged,
        "denied": types.CollectError_Denied,
        "internal": types.CollectError_Internal,
    }[kind]
    return Err(variant(message))


def export(plugin_class):
    """The ``WitWorld`` class componentize-py exports, for ``plugin_class``."""

    class WitWorld:
        def describe(self):
            return wit.plugin_info(plugin_class().describe())

        def check(self):
            plugin = plugin_class()
            check = Check(plugin.describe().config)
            try:
                plugin.check(check)
            except Exception as e:  # noqa: BLE001  (every failure is reported)
                raise _collect_error(e) from None
            return wit.types.CheckReport(messages=check.messages)

        def collect(self, ctx):
            plugin = plugin_class()
            run = Run(ctx, plugin.describe().streams)
            try:
                plugin.collect(run)
                run._flush_all()
            except Exception as e:  # noqa: BLE001
                raise _collect_error(e) from None
            return wit.types.RunSummary(warnings=run.warnings)

    return WitWorld
