"""ASN.1 values that go into letters as the bytes they were encoded as, encoded once.

Two habits of asn1crypto 1.5.1 made one letter in a few take eight seconds to sign instead
of fifty milliseconds:

- it takes any definite length whose last byte is 0x80 (a SignedData of 0x0e80 bytes, say)
  for an indefinite one and re-encodes that structure, all of it, on every ``dump()``
  (wbond/asn1crypto#249, unfixed);
- a structure once changed (built by pyHanko, or given a default value while being
  re-encoded, as an ESSCertIDv2's hash algorithm is) stays "changed" after it is encoded,
  so each enclosing level encodes it again, twice per level: exponential in the depth.

Re-encoding someone else's signed bytes (a TSA's token, a CA's CRL) could also change them.
So what pyHanko writes into a letter (the head's CMS, timestamp tokens, the certificates,
OCSP answers and CRLs of the DSS) is encoded here once, bottom up, and then always dumps as
those bytes.
"""

from typing import Any, TypeVar

from asn1crypto import core

V = TypeVar("V", bound=core.Asn1Value)

_INDEFINITE_END = b"\x00\x00"


def _children(value: core.Asn1Value) -> list[core.Asn1Value]:
    """The parts of ``value`` already built as objects (unparsed parts stay raw bytes)."""
    found: list = []
    children = getattr(value, "children", None)
    if isinstance(children, list):
        found.extend(children)
    chosen = getattr(value, "_chosen", None)
    if chosen is not None:
        found.append(chosen)
    parsed = getattr(value, "_parsed", None)
    if isinstance(parsed, tuple) and parsed:
        found.append(parsed[0])
    return [child for child in found if isinstance(child, core.Asn1Value)]


def _clear_false_indefinite(value: core.Asn1Value) -> None:
    """Forget the header of every part whose definite length merely ends in 0x80: it is
    recomputed, the same, when the value is dumped, without the re-encoding."""
    header = value._header
    if header is not None and header[-1:] == b"\x80" and value._trailer != _INDEFINITE_END:
        value._header = None
    for child in _children(value):
        _clear_false_indefinite(child)


def _settle(value: core.Asn1Value) -> None:
    """Encode every changed structure once, innermost first, and mark it current."""
    stale = (
        isinstance(value, core.Sequence | core.SequenceOf)
        and value.children is not None
        and value._is_mutated()
    )
    for child in _children(value):
        _settle(child)
    if stale:
        value._set_contents()
        value._mutated = False


def encoded(value: core.Asn1Value) -> bytes:
    """The DER of ``value``, each part encoded once."""
    _clear_false_indefinite(value)
    _settle(value)
    return value.dump()


_verbatim_classes: dict[type, Any] = {}


def _verbatim_dump(self: Any, force: bool = False) -> bytes:
    return self._ldm_verbatim


def _verbatim_class(spec: type) -> Any:
    cls = _verbatim_classes.get(spec)
    if cls is None:
        cls = _verbatim_classes[spec] = type(
            f"Verbatim{spec.__name__}", (spec,), {"dump": _verbatim_dump}
        )
    return cls


def verbatim(value: V) -> V:
    """``value`` as an object of its own type that always dumps as its bytes of now."""
    der = encoded(value)
    frozen = _verbatim_class(type(value)).load(der)
    frozen._ldm_verbatim = der
    return frozen
