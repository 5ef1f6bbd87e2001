"""Kernel-side answer serialisation: a submission's values as plain JSON text, without trusting the kernel.

This file is never imported by the grader: :mod:`rooflib.grade._collector` sends its source to
the kernel, where it runs in a private namespace whose builtins are a copy taken before the first
student cell. It uses no module a student could patch (no ``json``, no ``rooflib.check``); every
value is converted by its exact built-in, numpy or matplotlib type, so a student-defined class is
reported as "unsupported" instead of being asked to convert itself. (No ``from __future__``
import: the kernel runs this file's text joined to the collector's.)
"""

MAX_ITEMS = 100_000  # elements of a list or array an answer may hold
MAX_DEPTH = 4  # nesting of lists in an answer
MAX_TEXT = 2_000  # characters of a string answer that are kept


def make_plain(np, fractions_mod, decimal_mod, modules):
    """A function ``plain(value)`` -> JSON-ready data (None, bool, int, float, str, list, or a typed dict).

    ``np``, ``fractions_mod`` and ``decimal_mod`` are the modules as imported before any student
    cell; ``modules`` is the interpreter's own module table (for matplotlib, which may load later).
    """
    type_name = type.__dict__["__name__"].__get__
    np_floats = {np.float16, np.float32, np.float64, np.longdouble}
    np_ints = {np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
               np.intc, np.uintc, np.longlong, np.ulonglong}
    ndarray, np_bool = np.ndarray, np.bool_
    Fraction = fractions_mod.Fraction
    numerator = Fraction.__dict__["_numerator"].__get__
    denominator = Fraction.__dict__["_denominator"].__get__
    Decimal = decimal_mod.Decimal
    finite = __import__("math").isfinite
    function_types = (type(make_plain), type(len), type(print.__call__), type)

    def unsupported(what):
        return {"type": "unsupported", "repr": what}

    def number(x):
        """A Python int or float (exact types) as JSON-ready data."""
        if type(x) is int:
            if -(1 << 63) < x < (1 << 63):
                return x
            if x.bit_length() <= 1023:
                return float(x)
            digits = int(x.bit_length() * 0.30103) + 1  # without str(x): huge ints are slow to print
            return {"type": "nonfinite", "repr": f"a number of {digits} digits, too large for a float"}
        return x if finite(x) else {"type": "nonfinite", "repr": float.__repr__(x)}

    def floats(values):
        """An array-like of plotted data as a flat list of floats (NaN kept: the check skips it)."""
        return np.asarray(values, dtype=float).ravel().tolist()

    def draws_marker(line):
        """Whether a line shows a marker at its points (the roof-plot check wants the kernel marked)."""
        marker, size = line.get_marker(), line.get_markersize()
        shown = marker not in ("", " ", "None", "none") if type(marker) is str else marker is not None
        return shown and (size > 0 if type(size) in (int, float) else True)

    def axes(ax):
        drawn = list(ax.get_lines())
        lines = [[floats(line.get_xdata()), floats(line.get_ydata())] for line in drawn]
        points = []
        for coll in ax.collections:
            try:
                off = np.asarray(coll.get_offsets(), dtype=float)
            except (TypeError, ValueError):
                continue
            if off.ndim == 2 and off.shape[1] == 2 and off.size <= MAX_ITEMS:
                points.extend(off.tolist())
        xs, ys = ax.get_xscale(), ax.get_yscale()
        return {"type": "axes", "lines": lines, "points": points, "line_markers": [draws_marker(x) for x in drawn],
                "xscale": xs if type(xs) is str else "?", "yscale": ys if type(ys) is str else "?"}

    def plot(value):
        """The data of a matplotlib Axes or Figure, or None when ``value`` is neither."""
        ax_mod, fig_mod = modules.get("matplotlib.axes"), modules.get("matplotlib.figure")
        t = type(value)
        if ax_mod is not None and issubclass(t, ax_mod.Axes):
            return axes(value)
        if fig_mod is not None and issubclass(t, fig_mod.Figure):
            found = value.get_axes()
            return axes(found[0]) if found else unsupported("a Figure with no Axes")
        return None

    def plain(value, depth=0):
        t = type(value)
        if value is None or t is bool:
            return value
        if t is int or t is float:
            return number(value)
        if t is str:
            return value[:MAX_TEXT]
        if t in np_floats:
            return number(float(value))
        if t in np_ints:
            return number(int(value))
        if t is np_bool:
            return bool(value)
        if t is Fraction:
            try:
                return number(numerator(value) / denominator(value))
            except OverflowError:
                return unsupported("a Fraction too large for a float")
        if t is Decimal:
            try:
                return number(float(value))
            except (OverflowError, ValueError):
                return unsupported("a Decimal that is not a finite number")
        if t is ndarray:
            if value.size > MAX_ITEMS:
                return unsupported(f"an array of {value.size} elements")
            if value.ndim == 0:
                return plain(value.item(), depth)
            return plain(value.tolist(), depth) if value.dtype.kind in "biuf" else \
                unsupported(f"an array of dtype {value.dtype.str}")
        if t is list or t is tuple:
            if depth >= MAX_DEPTH or len(value) > MAX_ITEMS:
                return unsupported(f"a {type_name(t)} nested or long beyond what an answer needs")
            return [plain(v, depth + 1) for v in value]
        drawn = plot(value)
        if drawn is not None:
            return drawn
        if issubclass(t, function_types):
            return unsupported(f"a function or class ({type_name(t)}): store its result, not the function")
        return unsupported(f"an object of type {type_name(t)}")

    return plain


def make_encode():
    """A function ``encode(data)`` -> compact JSON text for plain data (what :func:`make_plain` returns)."""
    escapes = {i: f"\\u{i:04x}" for i in range(32)}
    escapes.update({i: f"\\u{i:04x}" for i in range(0xD800, 0xE000)})  # lone surrogates
    escapes[ord('"')], escapes[ord("\\")] = '\\"', "\\\\"
    int_repr, float_repr, translate = int.__repr__, float.__repr__, str.translate
    finite = __import__("math").isfinite

    def encode(data):
        t = type(data)
        if data is None:
            return "null"
        if t is bool:
            return "true" if data else "false"
        if t is int:
            return int_repr(data)
        if t is float:
            if finite(data):
                return float_repr(data)
            return "NaN" if data != data else ("Infinity" if data > 0 else "-Infinity")
        if t is str:
            return '"' + translate(data, escapes) + '"'
        if t is list or t is tuple:
            return "[" + ",".join([encode(v) for v in data]) + "]"
        if t is dict:
            return "{" + ",".join([encode(str(k)) + ":" + encode(v) for k, v in data.items()]) + "}"
        return encode({"type": "unsupported", "repr": "?"})

    return encode
