"""Logging into the run's log, with key-value context."""

from . import wit


def _log(level, message, fields):
    wit.log.log(level, str(message), [(str(k), str(v)) for k, v in fields.items()])


def debug(message, **fields):
    _log(wit.types.LogLevel.DEBUG, message, fields)


def info(message, **fields):
    _log(wit.types.LogLevel.INFO, message, fields)


def warn(message, **fields):
    _log(wit.types.LogLevel.WARN, message, fields)


def error(message, **fields):
    _log(wit.types.LogLevel.ERROR, message, fields)
