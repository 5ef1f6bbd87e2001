"""Kernel-side collector: installed before the first student cell, it reports answers and tampering.

Never imported by the grader: the runner sends this file's text (joined to ``_serialise.py``'s and
``_integrity.py``'s) to the kernel in a silent request before any student cell runs, and it is
executed in a private namespace whose builtins are a copy taken at that moment. :func:`install`

- reads the run's boot file (the HMAC key, the trigger word, the report file) and deletes it;
- captures every function it needs (``os.write``, the HMAC, the serialiser) so that nothing a
  student replaces later (``print``, ``json``, ``sys.stdout``, ``rooflib.check``) reaches it;
- adds a Python audit hook (which cannot be removed) that flags, with the running cell, what an
  honest answer never needs: reading interpreter frames, ``gc`` walks, new audit hooks, tracing,
  ``ctypes``, code built at run time; and blocks processes, signals, network use and files
  outside the submission's own folder;
- guards ``rooflib.check`` once it is imported: reading its private parts or replacing its names
  is flagged, and a question checked more than ``CHECK_CALLS_PER_QUESTION`` times (a search for
  the answer through PASS / FAIL) too;
- on the runner's silent "sync" requests (seen by the hook when IPython compiles them) checks that
  the kernel is as it was (``_integrity.py``) and writes the answers that changed to the report,
  one HMAC-signed JSON line each.
No ``from __future__`` import: this text is joined to the others.
"""

HIDDEN_PROC = frozenset({"fd", "fdinfo", "mem", "environ", "root", "cwd", "map_files"})
"""/proc entries that reach into a process's files or memory (the report's file descriptor among them)."""
WATCHED_CHECK_NAMES = frozenset({"QUESTIONS", "collect", "recorded", "record", "to_jsonable"})
"""rooflib.check attributes a student's own code never needs (private ``_names`` too); not ``__dict__``, which
``dir()`` reads from C on the student's behalf."""
FLAGS_PER_CELL = 20
CHECK_CALLS_PER_QUESTION = 5  # an honest run calls each check once or twice; a search for the answer, many times
READ_EVENTS = {"sys._getframe": "read interpreter frames (sys._getframe)",
               "sys._current_frames": "read interpreter frames (sys._current_frames)",
               "gc.get_objects": "walked the interpreter's objects (gc.get_objects)",
               "gc.get_referrers": "walked the interpreter's objects (gc.get_referrers)",
               "gc.get_referents": "walked the interpreter's objects (gc.get_referents)",
               "code.__new__": "built a code object by hand", "function.__new__": "built a function object by hand",
               "sys.settrace": "installed a trace function (sys.settrace)",
               "sys.setprofile": "installed a profile function (sys.setprofile)",
               "exec": "ran code built at run time (exec/eval)",
               "compile": "compiled code at run time (compile/exec/eval)"}
PROCESS_EVENTS = ("os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system",
                  "subprocess.Popen", "pty.spawn")
NETWORK_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
                  "socket.bind", "socket.sendto", "socket.sendmsg")
PATH_EVENTS = {"open": ("w?",), "os.remove": ("w",), "os.rmdir": ("w",), "os.rename": ("w", "w"),
               "os.truncate": ("w",), "os.chmod": ("w",), "os.chown": ("w",), "os.symlink": ("w", "w"),
               "os.link": ("w", "w"), "os.mkdir": ("w",), "os.utime": ("w",), "shutil.rmtree": ("w",),
               "shutil.move": ("w", "w"), "shutil.copyfile": ("r", "w"), "os.listdir": ("r",), "os.scandir": ("r",),
               "glob.glob": ("r",)}
"""Audit events that name paths: for each path argument, "r" (must not be hidden), "w" (must be private),
"w?" (an open: private when its mode or flags write)."""


def install(boot_path, make_plain, make_encode, make_integrity):
    """Install the collector from the boot file at ``boot_path`` (deleted once read)."""
    import _hashlib
    import _thread
    import decimal
    import fractions
    import json
    import os
    import sys
    import types

    import numpy

    with open(boot_path, "rb") as f:
        boot = json.loads(f.read())
    os.unlink(boot_path)
    key, trigger = bytes.fromhex(boot["key"]), "#" + boot["trigger"] + " "
    fd = os.open(boot["report"], os.O_WRONLY | os.O_APPEND)
    questions = [tuple(q) for q in boot["questions"]]
    question_names = {q[0] for q in questions}
    calls = {}
    private = tuple(p.rstrip("/") + "/" for p in boot["private"])
    hidden = tuple(p.rstrip("/") + "/" for p in boot["hidden"])
    check_init = boot["rooflib_dir"].rstrip("/") + "/check/__init__.py"
    grade_dir = boot["rooflib_dir"].rstrip("/") + "/grade/"
    checker_dirs = (boot["rooflib_dir"].rstrip("/") + "/check/", grade_dir)
    trusted = tuple(sorted({p.rstrip("/") + "/" for p in [sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                          boot["rooflib_dir"], *sys.path]
                            if p.startswith("/") and not (p.rstrip("/") + "/").startswith(private)}))
    trusted_files = trusted
    trusted += ("<",)  # frozen importlib, this collector; "<string>" is skipped (see caller)

    write, getcwd, getframe, get_ident = os.write, os.getcwd, sys._getframe, _thread.get_ident
    hmac = _hashlib.hmac_digest
    lock = _thread.allocate_lock()
    modules, ModuleType, FunctionType = sys.modules, types.ModuleType, types.FunctionType
    plain, encode = make_plain(numpy, fractions, decimal, modules), make_encode()
    ip = get_ipython()  # noqa: F821 - the kernel's builtin
    ns = ip.user_ns
    busy = set()
    state = {"cell": -1, "seq": 0, "flags": 0, "last": {}, "done": False, "handled": set()}
    missing = object()

    # --------------------------------------------------------------------------- the report
    def emit(record):
        with lock:
            record["seq"] = state["seq"]
            state["seq"] += 1
            line = encode(record).encode("utf-8")
            data = hmac(key, line, "sha256").hex().encode("ascii") + b" " + line + b"\n"
            while data:
                data = data[write(fd, data):]

    def flag(why):
        state["flags"] += 1
        if state["flags"] <= FLAGS_PER_CELL:
            emit({"k": "flag", "cell": state["cell"], "why": why[:300]})

    # --------------------------------------------------------------------------- who is asking
    def caller(skip):
        """(direct, anywhere): is the nearest non-neutral frame a student's, and is any frame one."""
        f, direct, depth = getframe(skip), None, 0
        while f is not None and depth < 300:
            code = f.f_code
            name = code.co_filename
            # code run by exec/eval belongs to whoever called exec/eval; IPython's `open` wraps io.open
            if name != "<string>" and code.co_name != "_modified_open":
                student = not name.startswith(trusted)
                if direct is None:
                    direct = student
                if student:
                    return direct, True
            f, depth = f.f_back, depth + 1
        return bool(direct), False

    def absolute(path):
        if type(path) is bytes:
            path = path.decode("utf-8", "replace")
        if type(path) is not str:
            return None
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        parts = []
        for part in path.split("/"):
            if part == "..":
                parts = parts[:-1]
            elif part and part != ".":
                parts.append(part)
        return "/" + "/".join(parts) + "/"

    def path_problem(path, mode, flags):
        p = absolute(path)
        if p is None or p == "/dev/null/" or p.startswith(private):
            return None
        if p.startswith(hidden) and not p.startswith(trusted):
            return f"opened {p[:-1]} (outside the submission's own folder)"
        if p.startswith("/proc/") and not HIDDEN_PROC.isdisjoint(p.split("/")[3:]):
            return f"opened {p[:-1]} (another process's or the kernel's own internals)"
        writing = mode == "w" or (mode == "w?" and (
            (type(flags[0]) is str and any(c in flags[0] for c in "wax+"))
            or (type(flags[1]) is int and flags[1] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC))))
        if writing:
            return f"wrote to {p[:-1]} (outside the submission's own folder)"
        return None

    # --------------------------------------------------------------------------- the audit hook
    def on_event(event, args):
        if event == "compile" and type(args[0]) in (str, bytes):
            src = args[0] if type(args[0]) is str else args[0].decode("utf-8", "replace")
            if src.startswith(trigger):
                return src[len(trigger):].split()
        if event in READ_EVENTS:
            direct, _ = caller(3)
            if direct:
                flag(READ_EVENTS[event])
            if event == "exec" and type(args[0]).__name__ == "code":
                filename = args[0].co_filename
                if filename.startswith(checker_dirs) and caller(3)[1]:
                    name = "rooflib." + filename[len(boot["rooflib_dir"].rstrip("/")) + 1:-3].replace("/", ".")
                    loaded = modules.get(name.removesuffix(".__init__"))
                    if isinstance(loaded, ModuleType) and vars(loaded).get("__file__") == filename and \
                            not getattr(vars(loaded).get("__spec__"), "_initializing", True):
                        flag("ran the checker's code a second time (a copy of the answer key?)")
                if filename == check_init:
                    guard_check_module()
                elif filename.startswith(grade_dir) and caller(3)[1]:
                    flag("imported the grader (rooflib.grade)")
            return None
        if event.startswith("object.__"):
            if caller(3)[0]:
                flag(f"touched {type(args[0]).__name__}.{args[1]} (interpreter internals)")
            return None
        if event == "sys.addaudithook":
            flag("added an audit hook (sys.addaudithook)")
            raise RuntimeError("the grader allows no other audit hooks")
        if event == "import":
            name = str(args[0])
            if name == "ctypes" or name.startswith("ctypes."):
                if caller(3)[0]:
                    flag("imported ctypes")
            elif name.startswith("rooflib.grade") and caller(3)[1]:
                flag("imported the grader (rooflib.grade)")
            elif name.startswith("rooflib.check._") and caller(3)[0]:
                flag(f"imported the checker's internals ({name})")
            return None
        if event.startswith("ctypes."):
            if caller(3)[0]:
                flag(f"used ctypes ({event})")
            return None
        if event in PROCESS_EVENTS or event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            direct, anywhere = caller(3)
            if anywhere:
                if direct or event.startswith(("os.kill", "signal.")):
                    flag(f"started a process or sent a signal ({event})")
                raise PermissionError(f"{event}: the grader runs no other programs and sends no signals")
            return None
        if event in NETWORK_EVENTS:
            if caller(3)[1]:
                flag(f"used the network ({event})")
                raise PermissionError(f"{event}: no network while grading")
            return None
        if event == "open" and type(args[0]) in (str, bytes):
            p = absolute(args[0])
            if p is not None and p.startswith(checker_dirs) and caller(3)[0]:
                flag(f"read the checker's source ({p[:-1]})")
                raise PermissionError(f"{p[:-1]}: the checker's source is not for submissions")
        modes = PATH_EVENTS.get(event)
        if modes is not None:
            for i, mode in enumerate(modes):
                why = path_problem(args[i], mode, args[1:3] if mode == "w?" else (None, None))
                if why is not None and caller(3)[1]:
                    flag(why)
                    raise PermissionError(f"{why}: not allowed while grading")
        return None

    def hook(event, args):
        if state["done"]:
            return
        tid = get_ident()
        if tid in busy:
            return
        busy.add(tid)
        try:
            action = on_event(event, args)
        except (PermissionError, RuntimeError):
            raise
        except Exception:  # noqa: BLE001 - a collector bug must not break the student's cell
            action = None
        finally:
            busy.discard(tid)
        if action:
            sync(action)

    # --------------------------------------------------------------------------- rooflib.check's door
    def guard_check_module():
        mod = modules.get("rooflib.check")
        if type(mod) is not ModuleType:
            return

        def student_asks():
            tid = get_ident()
            busy.add(tid)
            try:
                return caller(3)[0]
            finally:
                busy.discard(tid)

        def counted(name, check):
            """``check`` (a check function, ``answer`` or ``evaluate``), counting calls per question."""
            def call(*args, **kwargs):
                question = args[0] if name in ("answer", "evaluate") and args and type(args[0]) is str else name
                calls[question] = calls.get(question, 0) + 1
                if calls[question] == CHECK_CALLS_PER_QUESTION + 1:
                    flag(f"called the check of {question} more than {CHECK_CALLS_PER_QUESTION} times "
                         "(a search for the answer?)")
                return check(*args, **kwargs)

            call.__name__ = call.__qualname__ = name
            call.__doc__ = getattr(check, "__doc__", None)
            return call

        class GuardedModule(ModuleType):
            def __getattribute__(self, name):
                if (name in WATCHED_CHECK_NAMES or (name[:1] == "_" and name[:2] != "__")) and student_asks():
                    flag(f"read rooflib.check.{name} (the checker's internals)")
                value = ModuleType.__getattribute__(self, name)
                if (name in question_names or name in ("answer", "evaluate")) and callable(value):
                    return counted(name, value)
                return value

            def __setattr__(self, name, value):
                if student_asks():
                    flag(f"replaced rooflib.check.{name}")
                ModuleType.__setattr__(self, name, value)

            def __delattr__(self, name):
                if student_asks():
                    flag(f"deleted rooflib.check.{name}")
                ModuleType.__delattr__(self, name)

        mod.__class__ = GuardedModule

    # --------------------------------------------------------------------------- integrity (_integrity.py)
    integrity = make_integrity(ip, modules, trusted_files, boot["rooflib_dir"])

    # --------------------------------------------------------------------------- answers
    def recorded():
        mod = modules.get("rooflib.check._transport")
        if not isinstance(mod, ModuleType):
            return {}
        store = vars(mod).get("_RECORDED")
        return store if type(store) is dict else {}

    def answer(name, kind):
        value = ns.get(name, missing)
        if value is missing or (kind != "roof_plot" and type(value) in (FunctionType, type)):
            rec = recorded()
            if name in rec:
                return {"source": "check call", "value": plain(rec[name])}
            if value is missing:
                return {"source": "missing", "value": {"type": "missing"}}
        return {"source": "variable", "value": plain(value)}

    def sync(words):
        if len(words) != 2 or words[0] not in ("sync", "end") or tuple(words) in state["handled"]:
            return  # IPython compiles a cell more than once; each trigger counts once
        state["handled"].add(tuple(words))
        cell = int(words[1])
        try:
            problems = integrity()
        except Exception as exc:  # noqa: BLE001
            problems = [f"the grader could not check the kernel ({type(exc).__name__})"]
        for why in dict.fromkeys(problems):
            flag(why)
        changed = {}
        for name, kind in questions:
            try:
                entry = answer(name, kind)
            except Exception as exc:  # noqa: BLE001 - a strange object: say so, keep going
                entry = {"source": "variable", "value": {"type": "unsupported",
                                                         "repr": f"could not read it ({type(exc).__name__})"}}
            text = encode(entry)
            if state["last"].get(name) != text:
                state["last"][name] = text
                changed[name] = entry
        emit({"k": words[0], "cell": cell, "answers": changed})
        state["cell"], state["flags"] = cell, 0
        if words[0] == "end":
            state["done"] = True

    sys.addaudithook(hook)
    if isinstance(modules.get("rooflib.check"), ModuleType):
        guard_check_module()
    emit({"k": "ready", "cell": -1, "python": sys.version.split()[0]})
