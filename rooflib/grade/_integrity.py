"""Kernel-side integrity check: is the kernel as it was before the first student cell?

Never imported by the grader: its text is joined to ``_serialise.py``'s and ``_collector.py``'s and
run in the kernel's private collector namespace (see :mod:`rooflib.grade._collector`). At the first
sync it records the builtins, ``sys.modules``, ``json`` / ``os``, IPython's shell and kernel classes
and methods, its event hooks and input transformers; at every later sync it says what changed.
No ``from __future__`` import: this text is joined to the others.
"""


def make_integrity(ip, modules, trusted_files, rooflib_dir):
    """A function ``integrity()`` -> list of changes (sentences); its first call records the baseline."""
    import builtins
    import json
    import json.decoder
    import json.encoder
    import os
    import posixpath
    import sys
    import types

    ModuleType, FunctionType, MethodType = types.ModuleType, types.FunctionType, types.MethodType
    missing = object()
    boot = {"rooflib_dir": rooflib_dir}
    ns = ip.user_ns

    def class_dicts(obj):
        return [(c, dict(vars(c))) for c in type(obj).__mro__ if c is not object]

    transformer_lists = ("ast_transformers", "input_transformers_post", "input_transformers_cleanup")
    base = {}
    seen_rooflib = {}

    def baseline():
        """What the kernel looks like at the first sync, before any student cell (syncs are all silent requests)."""
        base["shell_classes"] = class_dicts(ip) + class_dicts(ip.kernel)
        base["methods"] = {k for _, d in base["shell_classes"] for k, v in d.items() if callable(v)}
        base["instances"] = [(obj, dict(vars(obj))) for obj in (ip, ip.kernel)]
        base["events"] = {name: list(cbs) for name, cbs in ip.events.callbacks.items()}
        base["lists"] = {a: list(getattr(ip, a, [])) for a in transformer_lists}
        base["builtins"], base["modules"] = dict(vars(builtins)), dict(modules)
        base["watched"] = [(m.__name__, m, dict(vars(m))) for m in (json, json.encoder, json.decoder, os, posixpath)]

    def trusted_function(cb):
        func = cb.__func__ if type(cb) is MethodType else cb
        return type(func) is FunctionType and func.__code__.co_filename.startswith(trusted_files)

    def integrity():
        if not base:
            baseline()
            return []
        out = []
        if vars(sys).get("modules") is not modules:
            out.append("replaced sys.modules")
        for name, mod in base["modules"].items():
            if modules.get(name, mod) is not mod:
                out.append(f"replaced sys.modules[{name!r}]")
        for name in [n for n in modules if n.startswith("rooflib") and n not in seen_rooflib]:
            mod = modules[name]
            seen_rooflib[name] = mod
            file = vars(mod).get("__file__") if isinstance(mod, ModuleType) else None
            if type(file) is not str or not file.startswith(boot["rooflib_dir"]):
                out.append(f"put a module that is not rooflib's into sys.modules[{name!r}]")
        for name, mod in seen_rooflib.items():
            if modules.get(name, mod) is not mod:
                out.append(f"replaced sys.modules[{name!r}]")
        now = vars(builtins)
        out += [f"replaced builtins.{k}" for k, v in base["builtins"].items()
                if now.get(k, missing) is not v and k not in ("input", "_")]  # ipykernel sets input per request
        out += [f"added builtins.{k}" for k in now if k not in base["builtins"] and not k.startswith("_")]
        for modname, mod, before in base["watched"]:
            now = vars(mod)
            out += [f"replaced {modname}.{k}" for k, v in before.items() if now.get(k, missing) is not v]
        for cls, before in base["shell_classes"]:
            now = vars(cls)
            out += [f"replaced IPython's {cls.__name__}.{k}" for k, v in before.items() if now.get(k, missing) is not v]
        for obj, before in base["instances"]:
            out += [f"replaced IPython's {k} on the running shell" for k, v in vars(obj).items()
                    if k in base["methods"] and before.get(k, missing) is not v]
        for name, cbs in ip.events.callbacks.items():
            for cb in cbs:
                if not any(cb is c for c in base["events"].get(name, ())) and not trusted_function(cb):
                    out.append(f"registered an IPython {name!r} event hook")
        for attr, before in base["lists"].items():
            now = getattr(ip, attr, [])
            if len(now) != len(before) or any(a is not b for a, b in zip(now, before)):
                out.append(f"changed IPython's {attr}")
        if ip.user_ns is not ns:
            out.append("replaced the kernel's namespace")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            out.append("left a trace or profile function installed")
        return out

    return integrity
