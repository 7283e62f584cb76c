"""The run a plugin works with: configuration, bookmarks, a buffered sink.

Rows are built by field name and checked as they are set, collected per
stream and sent to the host in batches (a call per row is slow, one call
per run holds the dataset in memory twice). Rows still buffered when
``collect`` returns are sent before the SDK reports success.
"""

from componentize_py_types import Err

from . import log as _log
from . import wit
from .errors import ConfigError, Denied, InternalError

BATCH_ROWS = 512
BATCH_BYTES = 512 * 1024


def _denied(error):
    """A refusal of the host, as the plugin's error (the run has failed)."""
    value = error.value if isinstance(error, Err) else error
    return Denied(getattr(value, "message", str(value)))


def _config(key, default):
    value = wit.config.get(key)
    return default if value is None else value


def _require(key):
    value = wit.config.get(key)
    if value is None or not value.strip():
        raise ConfigError(f"`{key}` is not set in [config] of the dataset's dataset.toml")
    return value


class Row:
    """A row of one stream, every field null until set."""

    __slots__ = ("_stream", "_cells")

    def __init__(self, stream):
        self._stream = stream
        self._cells = [wit.types.Cell_Null()] * len(stream.fields)

    @property
    def stream(self):
        return self._stream.name

    def set(self, name, value):
        """Sets a field by name, checked against its type; returns the row."""
        position = self._stream.position(name)
        if position is None:
            names = ", ".join(f.name for f in self._stream.fields)
            raise InternalError(f"stream `{self._stream.name}` has no field `{name}`; its fields are {names}")
        kind = self._stream.fields[position].type
        try:
            self._cells[position] = wit.cell(kind, value)
        except (ValueError, ArithmeticError) as e:
            raise InternalError(f"stream `{self._stream.name}`, field `{name}`: {e}") from None
        return self

    def _finish(self):
        for f, c in zip(self._stream.fields, self._cells):
            if isinstance(c, wit.types.Cell_Null) and not f.nullable:
                raise InternalError(f"stream `{self._stream.name}`: field `{f.name}` is required and was not set")
        return self._cells


class _Buffer:
    def __init__(self, stream):
        self.stream = stream
        self.rows = []
        self.bytes = 0
        self.emitted = 0


class Run:
    """One run of ``collect``."""

    def __init__(self, context, streams):
        self._context = context
        self._buffers = {s.name: _Buffer(s) for s in streams}
        self.warnings = []

    @property
    def dataset(self):
        return self._context.dataset

    @property
    def run_id(self):
        return self._context.run_id

    @property
    def full_refresh(self):
        return self._context.full_refresh

    def config(self, key, default=None):
        """A configuration value of ``[config]``, or ``default``."""
        return _config(key, default)

    def require(self, key):
        """A configuration value that must be set."""
        return _require(key)

    def secret(self, key):
        """A secret configuration value; never log it."""
        return wit.config.get_secret(key)

    def state(self, stream):
        """The bookmark the last published run saved for ``stream``, unless
        this is a full refresh."""
        if self.full_refresh:
            return None
        return wit.state.get(stream)

    def row(self, stream):
        buffer = self._buffers.get(stream)
        if buffer is None:
            raise InternalError(f"stream `{stream}` is not described")
        return Row(buffer.stream)

    def declare(self, stream):
        """Declares the fields of a stream described with
        ``Stream.from_source``, before any row of the run."""
        buffer = self._buffers.get(stream.name)
        if buffer is None:
            raise InternalError(f"stream `{stream.name}` is not described; describe it with Stream.from_source")
        self._flush_all()
        try:
            wit.sink.declare(wit.stream(stream))
        except Err as e:
            raise _denied(e) from None
        buffer.stream = stream

    def emit(self, row):
        buffer = self._buffers[row.stream]
        cells = row._finish()
        buffer.rows.append(cells)
        buffer.bytes += sum(wit.cell_size(c) for c in cells)
        if len(buffer.rows) >= BATCH_ROWS or buffer.bytes >= BATCH_BYTES:
            self._flush(buffer)

    def checkpoint(self, stream, bookmark):
        """Saves a bookmark for ``stream``, committed only if this run
        publishes; rows emitted so far go first."""
        if stream in self._buffers:
            self._flush(self._buffers[stream])
        try:
            wit.sink.checkpoint(stream, bookmark)
        except Err as e:
            raise _denied(e) from None

    def progress(self, done, total=None):
        wit.sink.progress(done, total)

    def warn(self, message):
        """Logged now and listed in the run's summary."""
        _log.warn(message)
        self.warnings.append(message)

    def emitted(self, stream):
        buffer = self._buffers[stream]
        return buffer.emitted + len(buffer.rows)

    def _flush(self, buffer):
        if not buffer.rows:
            return
        rows, buffer.rows, buffer.bytes = buffer.rows, [], 0
        buffer.emitted += len(rows)
        try:
            wit.sink.write(buffer.stream.name, rows)
        except Err as e:
            raise _denied(e) from None

    def _flush_all(self):
        for buffer in self._buffers.values():
            self._flush(buffer)


class Check:
    """What ``check`` works with: configuration, and notes for the operator."""

    def __init__(self, keys):
        self._keys = keys
        self.messages = []

    def config(self, key, default=None):
        return _config(key, default)

    def require(self, key):
        return _require(key)

    def note(self, message):
        self.messages.append(message)

    def require_config(self):
        """Every required key is set."""
        for key in self._keys:
            if key.required:
                self.require(key.name)
