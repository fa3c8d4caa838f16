"""Bot Framework models to and from JSON exactly as msrest does it, without its reflection.

botbuilder reads every incoming activity with `Activity().deserialize(body)` and writes every
reply with `Serializer(models).body(reply, "Activity")`. msrest does both by reflection on each
call (copying attribute maps, running key extractors, deserializing a model again and
validating it before serializing it), the largest CPU cost of a turn. This module gives the
same answers from per-class plans (JSON key -> attribute -> conversion), built on first use and
cached:

- `from_json(cls, data)` is `cls.deserialize(data)`: the keys of the class's `_attribute_map`
  set attributes, converted as msrest converts them (`str`, `bool`, `int`, `float`, `object`,
  `[T]`, `{T}`, nested models, `iso-8601` parsed like msrest with isodate's tzinfo classes and
  names); every other key goes, raw, into `additional_properties` (mention entities keep
  `mentioned` and `text` that way). Bad input raises msrest's `DeserializationError`.
- `to_json(model)` is `Serializer(<botbuilder.schema's models>).body(model, <class name>)`:
  camelCase keys in attribute-map order, None left out, enums as their values, datetimes as
  `serialize_iso` writes them, `object` values as `serialize_object` copies them (Models inside
  included), `additional_properties` merged where a class maps it (key `''`; botbuilder's do
  not, so theirs are not written).

How it stays faithful: the fast path handles only what it mirrors exactly and hands anything
else to msrest, whose value or exception is then the answer. `from_json` hands over one value
at a time: a value of another type than declared, a timestamp not shaped
`YYYY-MM-DDThh:mm:ss[.f][Z|+hh:mm]`, a class with flattened keys, subtypes, read-only
attributes or an `__init__` that does more than store its arguments. `to_json` hands over the
whole model, since what msrest does there depends on context: it rebuilds a dict found in a
model slot (dropping the keys it does not know), refuses the same dict inside an `object`
value, nulls whatever fails inside an `object` dict, warns about naive datetimes. Nothing is
changed before the hand-over.

Not mirrored, on purpose (none of it shows in the JSON or in model equality):

- `to_json` returns the model's own dicts and lists for `object` values (attachment `content`,
  `channel_data`, `value`, ...) when msrest's copy would equal them: trees of exact JSON types
  with str keys. Do not mutate the result or the model while the other is in use.
- A model class may name, in `__json_plain__`, `object` attributes whose values its makers
  guarantee to be such trees (`cards.CardAttachment`: every card is built from dumped
  models and strings, and `cards.schema.validate_card` refuses any other type in the cards'
  tests); those are returned without walking them. A reply with a meeting card is ~2,500
  bytecodes shorter that way, 7% of a `meet`'s Python bytecodes.
- `to_json` leaves the model alone, where msrest's `body()` replaces the model's lists of
  models with rebuilt copies (it still does when a model is handed over).
- `from_json` gives datetimes with the same UTC offset one shared isodate `FixedOffset`, where
  isodate makes one per parse; offsets, names and values are the same.
- msrest's client-side validation is not run as such: the fast path takes only values that
  pass it.
- Plans snapshot each class's `_attribute_map` when first used: a map changed later (say by
  `Model.enable_additional_properties_sending()`) is not seen.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, TypeGuard, TypeVar

from botbuilder import schema
from isodate.tzinfo import UTC, FixedOffset  # type: ignore[import-untyped]  # msrest's parser
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]  # azure-core's
from msrest.serialization import Deserializer, Model, Serializer

__all__ = ["from_json", "to_json"]

M = TypeVar("M", bound=Model)
Convert = Callable[[Any], Any]

_SCALARS = frozenset((str, int, bool, float, type(None)))
# Types msrest formats by name; left to msrest (none occurs in an activity).
_MSREST_FORMATS = frozenset(
    ("rfc-1123", "unix-time", "duration", "date", "time", "decimal", "long", "bytearray", "base64")
)
_LOCK = threading.RLock()  # plans are built under it; looking them up takes no lock


class _Unsupported(Exception):
    """The fast path met something it does not mirror: msrest decides."""


def _schema_models() -> dict[str, Any]:
    """What `Model._infer_class_models` gives for botbuilder.schema's classes."""
    return {name: value for name, value in vars(schema).items() if isinstance(value, type)}


# -- to_json ------------------------------------------------------------------------------------

_ENCODERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def to_json(model: Model) -> dict[str, Any]:
    """`Serializer(<botbuilder.schema models>).body(model, type(model).__name__)`, faster.

    `object` values may be returned as the model's own dicts and lists (see the module
    docstring): do not mutate the result or the model while the other is in use.
    """
    try:
        return _encode_model(model)
    except Exception:  # whatever the fast path does not mirror, msrest answers (or raises)
        result: dict[str, Any] = _serializer().body(model, type(model).__name__)
        return result


@functools.cache
def _serializer() -> Any:
    return Serializer(_schema_models())  # type: ignore[no-untyped-call]


def _encode_model(model: Any) -> dict[str, Any]:
    encode = _ENCODERS.get(type(model))
    if encode is None:
        with _LOCK:
            encode = _ENCODERS.setdefault(type(model), _compile_encoder(type(model)))
    return encode(model)


def _compile_encoder(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function writing one instance of `cls` as msrest's `Serializer._serialize` does."""
    if not _is_plain_model_class(cls) or hasattr(cls, "_xml_map"):  # Model.is_xml_model()
        return _refuse
    validation: dict[str, dict[str, Any]] = cls._validation
    attribute_map: dict[str, dict[str, str]] = cls._attribute_map
    if any("." in desc["key"] for desc in attribute_map.values()):
        return _refuse  # flattened keys ("properties.name") nest; msrest does that
    fields: list[tuple[str, str, Convert | None]] = []
    merge = False
    plain: frozenset[str] = getattr(cls, "__json_plain__", frozenset())
    for attr, desc in attribute_map.items():
        if validation.get(attr, {}).get("readonly", False):
            continue  # msrest leaves read-only attributes out of request bodies
        if attr == "additional_properties" and desc["key"] == "":
            merge = True
            fields.append((attr, "", None))
        elif attr in plain and desc["type"] == "object":
            fields.append((attr, desc["key"], _as_is))
        else:
            fields.append((attr, desc["key"], _value_encoder(desc["type"])))
    keys = [key for _, key, _ in fields]
    if merge or len(set(keys)) != len(keys):
        return _careful_encoder(fields)

    def encode(model: Any) -> dict[str, Any]:
        values = model.__dict__
        out: dict[str, Any] = {}
        for attr, key, convert in fields:
            value = values[attr]
            if value is None:
                continue
            if convert is None:
                out[key] = value if type(value) is str else _encode_str(value)
            else:
                out[key] = convert(value)
        return out

    return encode


def _careful_encoder(fields: list[tuple[str, str, Convert | None]]) -> Callable[[Any], Any]:
    """msrest's write rules where keys can collide: a key already written is not overwritten,
    and `additional_properties` (key '') is merged, raw, at its place in the map."""

    def encode(model: Any) -> dict[str, Any]:
        values = model.__dict__
        out: dict[str, Any] = {}
        for attr, key, convert in fields:
            value = values[attr]
            if key == "":
                if value is not None:
                    out.update(value)
            elif value is not None and key not in out:
                if convert is None:
                    out[key] = value if type(value) is str else _encode_str(value)
                else:
                    out[key] = convert(value)
        return out

    return encode


def _refuse(value: Any) -> Any:
    raise _Unsupported(type(value))


def _as_is(value: Any) -> Any:
    """An `object` value the model's class declares plain JSON (`__json_plain__`)."""
    return value


def _value_encoder(type_name: str) -> Convert | None:
    """How msrest's `serialize_data` writes a non-None value of this declared type; None
    stands for 'str', which the model encoders inline."""
    if type_name == "str":
        return None
    simple = {
        "bool": _encode_bool,
        "int": _encode_int,
        "float": _encode_float,
        "iso-8601": _encode_iso,
        "object": _encode_object,
    }.get(type_name)
    if simple is not None:
        return simple
    if type_name in _MSREST_FORMATS:
        return _refuse
    if type_name[:1] + type_name[-1:] == "[]":
        return _list_encoder(_value_encoder(type_name[1:-1]))
    if type_name[:1] + type_name[-1:] == "{}":
        return _dict_encoder(_value_encoder(type_name[1:-1]))
    return _encode_model  # a model (or enum) class name: only model instances are fast-pathed


def _list_encoder(item: Convert | None) -> Convert:
    def encode(value: Any) -> list[Any]:
        if type(value) is not list:
            raise _Unsupported(type(value))
        if item is None:
            return [x if type(x) is str or x is None else _encode_str(x) for x in value]
        return [None if x is None else item(x) for x in value]

    return encode


def _dict_encoder(item: Convert | None) -> Convert:
    def encode(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Unsupported(type(value))
        out: dict[str, Any] = {}
        for key, x in value.items():
            if type(key) is not str:
                raise _Unsupported(type(key))
            if x is None or (item is None and type(x) is str):
                out[key] = x
            else:
                out[key] = _encode_str(x) if item is None else item(x)
        return out

    return encode


def _encode_str(value: Any) -> Any:
    """`serialize_unicode` for what is not already a str: an enum's value, a number's text."""
    if isinstance(value, Enum):
        return value.value
    if type(value) in (int, float, bool):
        return str(value)
    raise _Unsupported(type(value))


def _encode_bool(value: Any) -> Any:
    if type(value) is bool:
        return value
    raise _Unsupported(type(value))


def _encode_int(value: Any) -> Any:
    if type(value) is int:
        return value
    raise _Unsupported(type(value))


def _encode_float(value: Any) -> Any:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _Unsupported(type(value))


def _encode_iso(value: Any) -> str:
    """`Serializer.serialize_iso`: UTC, at least milliseconds, 'Z'."""
    if type(value) is not datetime or not value.tzinfo:
        raise _Unsupported(type(value))  # naive ones too: msrest warns about them, once
    utc = value.utctimetuple()
    if not 1 <= utc.tm_year <= 9999:
        raise _Unsupported("year out of range")  # msrest raises SerializationError
    micro = value.microsecond  # msrest: at least milliseconds, trailing zeros cut beyond
    fraction = f"{micro // 1000:03d}" if micro % 1000 == 0 else f"{micro:06d}".rstrip("0")
    return "%04d-%02d-%02dT%02d:%02d:%02d.%sZ" % (*utc[:6], fraction)  # noqa: UP031 - fastest


def _encode_object(value: Any) -> Any:
    """`Serializer.serialize_object`; a JSON-only tree comes back as itself."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if (kind is dict and _is_plain_dict(value)) or (kind is list and _is_plain_list(value)):
        return value
    return _copy_object(value)


# Is this dict or list made of exact JSON types only, with str keys? Then msrest's copy of it
# is equal to it. The hot loop of replies with cards, so kept flat: most values are str.


def _is_plain_dict(node: dict[Any, Any]) -> bool:
    for key, value in node.items():
        kind = type(value)
        if kind is str:
            if type(key) is str:
                continue
            return False
        if type(key) is not str:
            return False
        if kind is dict:
            if _is_plain_dict(value):
                continue
            return False
        if kind is list:
            if _is_plain_list(value):
                continue
            return False
        if kind not in _SCALARS:
            return False
    return True


def _is_plain_list(node: list[Any]) -> bool:
    for value in node:
        kind = type(value)
        if kind is dict:
            if _is_plain_dict(value):
                continue
            return False
        if kind is str:
            continue
        if kind is list:
            if _is_plain_list(value):
                continue
            return False
        if kind not in _SCALARS:
            return False
    return True


def _copy_object(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported(type(key))
            out[key] = _copy_object(item)
        return out
    if kind is list:
        return [_copy_object(item) for item in value]
    if kind is datetime:
        return _encode_iso(value)
    if isinstance(value, Model):
        return _encode_model(value)
    raise _Unsupported(kind)


# -- from_json ----------------------------------------------------------------------------------


def from_json(cls: type[M], data: dict[str, Any]) -> M:
    """`cls.deserialize(data)`, faster; raises msrest's `DeserializationError` where it does."""
    decode = _DECODERS.get(cls)
    if decode is None:
        with _LOCK:
            decode = _DECODERS.setdefault(cls, _root_decoder(cls))
    result: M = decode(data)
    return result


_DECODERS: dict[type, Callable[[Any], Any]] = {}
_NAMESPACES: dict[frozenset[tuple[str, Any]], _Namespace] = {}


def _root_decoder(cls: type) -> Callable[[Any], Any]:
    models: dict[str, Any] = cls._infer_class_models()  # type: ignore[attr-defined]
    key = frozenset(models.items())
    namespace = _NAMESPACES.get(key)
    if namespace is None:
        namespace = _NAMESPACES[key] = _Namespace(models)
    model = namespace.model_decoder(cls)

    def decode(data: Any) -> Any:
        if type(data) is dict and model is not None:
            return model(data)
        return cls.deserialize(data)  # type: ignore[attr-defined]

    return decode


class _Namespace:
    """The plans for the models one msrest `Deserializer` knows (by class name), as msrest
    resolves a nested type name among the root class's module's classes."""

    def __init__(self, models: dict[str, Any]) -> None:
        self._models = models
        self._msrest: Any = Deserializer(models)  # type: ignore[no-untyped-call]
        self._plans: dict[type, _ModelPlan | None] = {}

    def model_decoder(self, cls: type) -> Callable[[dict[str, Any]], Any] | None:
        """The plan's decoder, or None where msrest must do it (the caller is under _LOCK)."""
        if cls not in self._plans:
            self._plans[cls] = self._compile(cls)
        plan = self._plans[cls]
        return None if plan is None else plan.decode

    def _compile(self, cls: type) -> _ModelPlan | None:
        if not _is_plain_model_class(cls) or self._models.get(cls.__name__) is not cls:
            return None
        if cls.__dict__.get("_subtype_map") or any(
            rule.get("readonly") or rule.get("constant") for rule in cls._validation.values()
        ):
            return None
        attribute_map: dict[str, dict[str, str]] = cls._attribute_map
        if "additional_properties" in attribute_map:
            return None
        keys = [desc["key"] for desc in attribute_map.values()]
        if any("." in key or key == "" for key in keys) or len(set(keys)) != len(keys):
            return None
        template = _instance_template(cls, list(attribute_map))
        if template is None:
            return None
        plan = _ModelPlan(cls, template)
        self._plans[cls] = plan  # so that a class containing itself finds its own plan
        plan.fields = {
            desc["key"]: (attr, self._value_decoder(desc["type"]))
            for attr, desc in attribute_map.items()
        }
        return plan

    def _value_decoder(self, type_name: str) -> Convert | None:
        """How msrest's `deserialize_data` reads a non-None JSON value of this declared type;
        None stands for 'str', which `_ModelPlan.decode` inlines."""
        if type_name == "str":
            return None
        fallback = self._fallback(type_name)
        if type_name in ("bool", "int"):
            exact = bool if type_name == "bool" else int
            return lambda value: value if type(value) is exact else fallback(value)
        if type_name == "float":
            return lambda value: float(value) if type(value) in (float, int) else fallback(value)
        if type_name == "iso-8601":
            return lambda value: _decode_iso(value, fallback)
        if type_name == "object":
            return lambda value: _copy_json(value, fallback)
        if type_name in _MSREST_FORMATS:
            return fallback
        if type_name[:1] + type_name[-1:] == "[]":
            return self._list_decoder(self._item_decoder(type_name[1:-1]), fallback)
        if type_name[:1] + type_name[-1:] == "{}":
            return self._dict_decoder(self._item_decoder(type_name[1:-1]), fallback)
        cls = self._models.get(type_name)
        if not isinstance(cls, type) or issubclass(cls, Enum):
            return fallback
        model = self.model_decoder(cls)
        if model is None:
            return fallback
        return lambda value: model(value) if type(value) is dict else fallback(value)

    def _item_decoder(self, type_name: str) -> Convert:
        convert = self._value_decoder(type_name)
        if convert is not None:
            return convert
        return lambda value: value if type(value) is str else _decode_str(value)

    @staticmethod
    def _list_decoder(item: Convert, fallback: Convert) -> Convert:
        def decode(value: Any) -> Any:
            if type(value) is not list:
                return fallback(value)
            return [None if x is None else item(x) for x in value]

        return decode

    @staticmethod
    def _dict_decoder(item: Convert, fallback: Convert) -> Convert:
        def decode(value: Any) -> Any:
            if type(value) is not dict:
                return fallback(value)
            return {key: None if x is None else item(x) for key, x in value.items()}

        return decode

    def _fallback(self, type_name: str) -> Convert:
        """msrest's `deserialize_data` for one value, with the errors its model loop wraps."""
        deserialize_data = self._msrest.deserialize_data

        def fallback(value: Any) -> Any:
            try:
                return deserialize_data(value, type_name)
            except (AttributeError, TypeError, KeyError) as err:
                message = f"Unable to deserialize to object: {type_name}, {err!r}"
                raise DeserializationError(message) from err

        return fallback


class _ModelPlan:
    """One model class: JSON key -> (attribute, conversion), and the instance's blank dict."""

    __slots__ = ("cls", "fields", "template")

    def __init__(self, cls: type, template: dict[str, Any]) -> None:
        self.cls = cls
        self.template = template
        self.fields: dict[str, tuple[str, Convert | None]] = {}

    def decode(self, data: dict[str, Any]) -> Any:
        """msrest's `Deserializer._deserialize` of a dict into this class."""
        fields = self.fields
        values = self.template.copy()
        extra: dict[str, Any] | None = None
        for key, value in data.items():
            field = fields.get(key)
            if field is None:
                if extra is None:
                    extra = {}
                extra[key] = value
            elif value is not None:
                attr, convert = field
                if convert is None:
                    values[attr] = value if type(value) is str else _decode_str(value)
                else:
                    values[attr] = convert(value)
        values["additional_properties"] = {} if extra is None else extra
        model: Any = object.__new__(self.cls)
        model.__dict__ = values
        return model


def _is_plain_model_class(cls: type) -> TypeGuard[type[Model]]:
    """A Model whose attributes live in its instance `__dict__`, read the ordinary way."""
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        return False
    if type.__getattribute__(cls, "__getattribute__") is not object.__getattribute__:
        return False
    attribute_map: dict[str, Any] = cls._attribute_map
    for attr in attribute_map:
        for klass in cls.__mro__:
            if attr in klass.__dict__:
                found = type(klass.__dict__[attr])
                if hasattr(found, "__set__") or hasattr(found, "__delete__"):
                    return False
                break
    return True


def _instance_template(cls: type, attrs: list[str]) -> dict[str, Any] | None:
    """The `__dict__` msrest's `cls(**attributes)` leaves, with every attribute None, in the
    order `__init__` sets them; None when `__init__` does anything but store its arguments."""
    if type(cls).__call__ is not type.__call__ or any(
        "__new__" in vars(k) for k in cls.__mro__[:-1]
    ):
        return None
    marker = object()
    try:
        marked = cls(**dict.fromkeys(attrs, marker)).__dict__
        blank = cls(**dict.fromkeys(attrs)).__dict__
    except Exception:  # a constructor that cannot take its own attributes: msrest's problem
        return None
    expected = {*attrs, "additional_properties"}
    if set(marked) != expected or set(blank) != expected:
        return None
    if any(marked[attr] is not marker or blank[attr] is not None for attr in attrs):
        return None
    if marked["additional_properties"] != {} or blank["additional_properties"] != {}:
        return None
    return dict.fromkeys(marked)


def _decode_str(value: Any) -> Any:
    """`deserialize_data(value, 'str')` for what is not already a str: its text."""
    if type(value) in (int, float, bool, dict, list):
        return str(value)
    return _deserializer().deserialize_data(value, "str")


@functools.cache
def _deserializer() -> Any:
    return Deserializer()  # type: ignore[no-untyped-call]


def _copy_json(value: Any, fallback: Convert) -> Any:
    """`Deserializer.deserialize_object`: a copy of a JSON tree (msrest does not share it)."""
    try:
        return _copy_tree(value)
    except (_Unsupported, RecursionError):  # msrest recurses less per level
        return fallback(value)


def _copy_tree(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {
            key: item if type(item) in _SCALARS else _copy_tree(item) for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _SCALARS else _copy_tree(item) for item in value]
    if kind in _SCALARS:
        return value
    raise _Unsupported(kind)


# The timestamp shapes Teams sends; anything else is parsed by msrest itself.
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_ZONES: dict[str, Any] = {"Z": UTC}  # at most 2 * 24 * 60 offsets


def _decode_iso(value: Any, fallback: Convert) -> Any:
    """`Deserializer.deserialize_iso` (isodate's parse, fraction cut to microseconds) for
    `YYYY-MM-DDThh:mm:ss[.f+][Z|±hh:mm]`."""
    match = _ISO_DATETIME.fullmatch(value) if type(value) is str else None
    if match is None:
        return fallback(value)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = None if zone is None else _zone(zone)
    year_number = int(year)
    # Years 1 and 9999 can leave datetime's range in UTC; msrest checks, so let it.
    if (zone is not None and tz is None) or not 1 < year_number < 9999:
        return fallback(value)
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    try:
        return datetime(
            year_number, int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError:  # no such day or time: msrest's error
        return fallback(value)


def _zone(name: str) -> Any:
    """isodate's tzinfo for '±hh:mm' (one per offset), or None when msrest should judge it."""
    tz = _ZONES.get(name)
    if tz is None:
        hours, minutes = int(name[1:3]), int(name[4:6])
        if hours > 23 or minutes > 59:
            return None
        sign = -1 if name[0] == "-" else 1
        tz = _ZONES.setdefault(name, FixedOffset(sign * hours, sign * minutes, name))
    return tz
