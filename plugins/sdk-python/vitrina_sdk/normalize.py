"""Bulgarian normalization, by the host: the ``vitrina-normalize`` crate
the Rust SDK links, called through the contract's ``normalize`` interface.

Called, not ported: one implementation means a Python plugin reads
``1 234,56 лв.``, ``26 март 2024 г.`` or a windows-1251 export exactly as a
Rust one does, today and after every fix, and the Rust tests are the test
vectors for every language. A call costs a hop into the host (about a
microsecond), cheap beside parsing the source.
"""

import datetime as _dt
import decimal as _decimal

from componentize_py_types import Err

from . import wit


def _value(call, *args):
    try:
        return call(*args)
    except Err as e:
        raise ValueError(e.value) from None


def clean_text(text):
    """NFC, whitespace runs collapsed, trimmed."""
    return wit.normalize.clean_text(text)


def machine_name(title):
    """A column title as a field name: ``Сума (лв.)`` → ``suma_lv``."""
    return wit.normalize.machine_name(title)


def parse_number(text):
    """``1 234,56`` → ``Decimal('1234.56')``; ``None`` for an empty cell or
    a dash; ``ValueError`` for anything ambiguous."""
    value = _value(wit.normalize.parse_number, text)
    return None if value is None else _decimal.Decimal(value)


def parse_date(text):
    """``26.03.2024``, ``26 март 2024 г.`` → ``date(2024, 3, 26)``."""
    return _dt.date.fromisoformat(_value(wit.normalize.parse_date, text))


def bgn_to_eur(amount):
    """Leva as euro at the fixed 1.95583, half up to the cent."""
    return _decimal.Decimal(_value(wit.normalize.bgn_to_eur, format(_decimal.Decimal(amount), "f")))


def currency_on(day):
    """``BGN`` before 2026-01-01, ``EUR`` from then on."""
    return _value(wit.normalize.currency_on, day.isoformat())


def is_valid_eik(text):
    """Whether a ЕИК/БУЛСТАТ has valid check digits."""
    return wit.normalize.is_valid_eik(text)


def decode(data, charset=None):
    """Bytes as text: BOM, else ``charset`` when it fits, else UTF-8 when
    valid, else windows-1251. Returns ``(text, encoding)``."""
    decoded = wit.normalize.decode(bytes(data), charset)
    return decoded.text, decoded.encoding
