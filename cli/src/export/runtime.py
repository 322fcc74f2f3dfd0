# --- Sparklet's values in Python -------------------------------------------
# Records are Sparklet's values: None, bool, int (64-bit, wrapping as the
# JVM's longs), float, str, a 2-tuple (a pair), list, and dict (an object,
# keys sorted as Sparklet's JSON reading leaves them). A record a stage cannot
# handle raises Bad and is dropped, counted as malformed, as in Sparklet.

import functools
import json
import math
import re
import sys


class Bad(Exception):
    """A record a stage cannot handle: dropped and counted, never fatal."""


# Rust's `char::is_whitespace` (Unicode White_Space). Python's str.split()
# and str.strip() also take U+001C..U+001F, which Rust does not.
WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
WS_RUN = re.compile("[" + re.escape(WS) + "]+")


def type_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, tuple):
        return "pair"
    if isinstance(v, list):
        return "list"
    return "object"


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def wrap(i):
    """An integer as a 64-bit long: wraps, as Sparklet's and the JVM's."""
    return ((i + (1 << 63)) & ((1 << 64) - 1)) - (1 << 63)


def text(v, op):
    if not isinstance(v, str):
        raise Bad(f"{op} needs a string, got a {type_name(v)}")
    return v


def words(s):
    return [w for w in WS_RUN.split(s) if w]


def split(v, sep):
    s = text(v, "split")
    if sep is None:
        return words(s)
    return [w for w in s.split(sep) if w]


def from_json(j):
    """A parsed JSON value as Sparklet reads it: a two-element array is a
    pair, an integer past 64 bits a float, object keys sorted."""
    if isinstance(j, bool) or j is None or isinstance(j, float):
        return j
    if isinstance(j, int):
        return j if -(1 << 63) <= j < (1 << 63) else float(j)
    if isinstance(j, str):
        try:
            j.encode("utf-8")
        except UnicodeEncodeError:
            raise Bad("a lone surrogate in a string")
        return j
    if isinstance(j, list):
        items = [from_json(x) for x in j]
        return (items[0], items[1]) if len(items) == 2 else items
    return {k: from_json(j[k]) for k in sorted(j)}


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_json(v):
    s = text(v, "json")
    try:
        return from_json(json.loads(s, parse_constant=_no_constant))
    except (ValueError, RecursionError) as e:
        raise Bad(f"json: {e}")


# --- Expressions ------------------------------------------------------------

def walk(rec, steps):
    at = rec
    for step in steps:
        if at is None:
            return None
        if isinstance(step, str):
            if not isinstance(at, dict):
                raise Bad(f"`.{step}`: the value is a {type_name(at)}, not an object")
            at = at.get(step)
        elif isinstance(at, tuple) and step < 2:
            at = at[step]
        elif isinstance(at, list):
            at = at[step] if step < len(at) else None
        else:
            raise Bad(f"`.{step}`: the value is a {type_name(at)}, not a pair or list")
    return at


def truth(v, what):
    if not isinstance(v, bool):
        raise Bad(f"{what} needs a boolean, got a {type_name(v)}")
    return v


def all_of(*items):
    for item in items:
        if not truth(item(), "`&&`"):
            return False
    return True


def any_of(*items):
    for item in items:
        if truth(item(), "`||`"):
            return True
    return False


def not_(v):
    return not truth(v, "`!`")


def same(a, b):
    """Sparklet's equality: by type (1 and 1.0 differ), floats by bits."""
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if is_num(a):
        if isinstance(a, float) != isinstance(b, float):
            return False
        if isinstance(a, float):
            return math.copysign(1, a) == math.copysign(1, b) and (a == b or (a != a and b != b))
        return a == b
    if isinstance(a, tuple):
        return same(a[0], b[0]) and same(a[1], b[1])
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


def compare(op, a, b):
    if is_num(a) and is_num(b) or isinstance(a, str) and isinstance(b, str):
        o = total_cmp(a, b)
    elif (a is None or b is None) and op in ("==", "!="):
        return (type_name(a) == type_name(b)) == (op == "==")
    elif type_name(a) == type_name(b) and op in ("==", "!="):
        return same(a, b) == (op == "==")
    else:
        raise Bad(f"cannot compare a {type_name(a)} with a {type_name(b)} using `{op}`")
    return {"==": o == 0, "!=": o != 0, "<": o < 0, "<=": o <= 0, ">": o > 0, ">=": o >= 0}[op]


def call(name, *args):
    def s(i):
        if not isinstance(args[i], str):
            raise Bad(f"{name}() needs a string, got a {type_name(args[i])}")
        return args[i]
    if name == "len":
        v = args[0]
        if isinstance(v, (str, list, dict)):
            return len(v)
        if isinstance(v, tuple):
            return 2
        raise Bad(f"len() needs a string, list or object, got a {type_name(v)}")
    if name == "contains":
        return s(1) in s(0)
    if name == "starts_with":
        return s(0).startswith(s(1))
    if name == "ends_with":
        return s(0).endswith(s(1))
    if name == "lower":
        return s(0).lower()
    if name == "upper":
        return s(0).upper()
    return words(s(0))


def flat_items(v):
    if isinstance(v, list):
        return v
    if isinstance(v, tuple):
        return [v[0], v[1]]
    if v is None:
        return []
    raise Bad(f"flat_map needs a list, got a {type_name(v)}")


def pair_of(v, op):
    if not isinstance(v, tuple):
        raise Bad(f"{op} needs (key, value) pairs, got a {type_name(v)}")
    return v


# --- Order, keys ------------------------------------------------------------

def _rank(v):
    return ["null", "boolean", "number", "string", "pair", "list", "object"].index(type_name(v))


def _f64_key(x):
    """f64::total_cmp as an integer: -0.0 sorts before 0.0."""
    bits = int.from_bytes(__import__("struct").pack(">d", x), "big", signed=True)
    return bits ^ (((bits >> 63) & ((1 << 64) - 1)) >> 1)


def total_cmp(a, b, strict=False):
    """Sparklet's order of `<`, min and max: numbers by value (ints and
    floats together), then by type. `strict` is its output order, where
    an int comes before the equal float (`1` before `1.0`)."""
    if is_num(a) and is_num(b):
        if isinstance(a, int) and isinstance(b, int):
            return (a > b) - (a < b)
        x, y = _f64_key(float(a)), _f64_key(float(b))
        o = (x > y) - (x < y)
        if o or not strict:
            return o
        fa, fb = isinstance(a, float), isinstance(b, float)
        return (fa > fb) - (fa < fb)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return (ra > rb) - (ra < rb)
    if isinstance(a, bool) or isinstance(a, str):
        return (a > b) - (a < b)
    if isinstance(a, tuple):
        return total_cmp(a[0], b[0], strict) or total_cmp(a[1], b[1], strict)
    if isinstance(a, list):
        for x, y in zip(a, b):
            o = total_cmp(x, y, strict)
            if o:
                return o
        return (len(a) > len(b)) - (len(a) < len(b))
    if isinstance(a, dict):
        for (ka, va), (kb, vb) in zip(a.items(), b.items()):
            o = ((ka > kb) - (ka < kb)) or total_cmp(va, vb, strict)
            if o:
                return o
        return (len(a) > len(b)) - (len(a) < len(b))
    return 0


def output_cmp(a, b):
    return total_cmp(a, b, True)


def ORDER(v):
    """The order keyed output prints in. A function, not a cmp_to_key
    class: jobs' functions are pickled."""
    return functools.cmp_to_key(output_cmp)(v)


def key(v):
    """A value as a shuffle key with Sparklet's identity: Python would take
    1, 1.0 and True for one key."""
    if v is None:
        return ("n",)
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, int):
        return ("i", v)
    if isinstance(v, float):
        return ("f", __import__("struct").pack(">d", v))
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, tuple):
        return ("p", key(v[0]), key(v[1]))
    if isinstance(v, list):
        return ("l",) + tuple(key(x) for x in v)
    return ("o",) + tuple((k, key(x)) for k, x in v.items())


def unkey(k):
    tag = k[0]
    if tag == "n":
        return None
    if tag in ("b", "i", "s"):
        return k[1]
    if tag == "f":
        return __import__("struct").unpack(">d", k[1])[0]
    if tag == "p":
        return (unkey(k[1]), unkey(k[2]))
    if tag == "l":
        return [unkey(x) for x in k[1:]]
    return {name: unkey(x) for name, x in k[1:]}


# --- Reduce functions (sum, min, max, count, mean) --------------------------

def lift(fn, v, op):
    if fn == "count":
        return 1
    if fn == "mean" and (is_num(v) or isinstance(v, bool)):
        return (float(v), 1)
    if fn == "sum" and is_num(v):
        return v
    if fn in ("min", "max") and (is_num(v) or isinstance(v, str)):
        return v
    wants = "numbers" if fn == "sum" else "numbers or strings"
    raise Bad(f"{op}: {fn} needs {wants}, got a {type_name(v)}")


def _add(a, b, sign):
    if isinstance(a, int) and isinstance(b, int):
        return wrap(a + sign * b)
    return float(a) + float(b) * sign


def combine(fn, a, b):
    if fn in ("sum", "count"):
        return _add(a, b, 1)
    if fn == "mean":
        return (_add(a[0], b[0], 1), _add(a[1], b[1], 1))
    want = -1 if fn == "min" else 1
    return b if total_cmp(b, a) == want else a


def finish(fn, v):
    if fn == "mean":
        return v[0] / v[1] if v[1] != 0 else None
    return v


# --- Output, as `sparklet replay` prints it ---------------------------------

def _float_text(x):
    """serde_json's float text (ryu): Python's digits, Sparklet's layout."""
    if x != x or x in (math.inf, -math.inf):
        return "null"
    r = repr(x)
    if "e" not in r:
        return r
    mant, e = r.split("e")
    e = int(e)
    if e == -5:
        sign = "-" if mant[0] == "-" else ""
        return sign + "0.0000" + mant.lstrip("-").replace(".", "").rstrip("0")
    return f"{mant}e{'+' if e > 0 else '-'}{abs(e)}"


def to_json(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float_text(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (tuple, list)):
        return "[" + ",".join(to_json(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + to_json(x) for k, x in v.items()) + "}"


def batch_line(time_ms, output):
    return '{"time_ms":' + str(time_ms) + ',"output":' + to_json(output) + "}"
