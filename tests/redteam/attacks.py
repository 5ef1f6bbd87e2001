"""Red-team submissions for the grader: what a student who wants marks without the work would try.

Each attack is one code cell put into set 01: into the blank exercise right after its import cell
(``"blank"``: the honest score is 0), or into the solution after the check of Q4 (``"middle"``:
the honest score is the answers before it, or all of them when the attack is harmless and simply
fails) or after its last cell (``"end"``: the honest score is full marks); see :func:`expected_honest`.
``{other}`` is another submission's path, ``{folder}`` the submissions folder, ``{home}`` the
grader's home.
"""

from __future__ import annotations

ATTACKS: dict[str, tuple[str, str]] = {
    # the answer key, looked up instead of worked out (scored 9/9 on a blank set before the grader knew)
    "key_lookup": ("blank", 'for q in rl.check.questions("01"):\n'
                            "    globals()[q.name] = rl.check.QUESTIONS[q.name].expected()"),
    "key_lookup_obfuscated": ("blank", 'c = getattr(rl, "check")\nQ = getattr(c, "QUEST" + "IONS")\n'
                                       'for n, q in Q.items():\n    globals()[n] = getattr(q, "exp" + "ected")()'),
    "key_via_private_module": ("blank", "from rooflib.check import _registry\n"
                                        "for n, q in _registry.QUESTIONS.items():\n    globals()[n] = q.expected()"),
    "check_oracle_search": ("blank", "import io, contextlib\nf = rl.check.dot_flops\nfor k in range(1, 40):\n"
                                     "    out = io.StringIO()\n    with contextlib.redirect_stdout(out):\n"
                                     "        f(1024 * k)\n    if 'PASS' in out.getvalue():\n"
                                     "        dot_flops = 1024 * k\n        break"),
    "copy_of_the_checker": ("blank", "import importlib.util, os\n"
                                     "path = os.path.join(os.path.dirname(rl.check.__file__), '_registry.py')\n"
                                     "spec = importlib.util.spec_from_file_location('rooflib.check.copy', path)\n"
                                     "copy = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(copy)"),
    "read_the_checker": ("blank", "import os\nsource = open(os.path.join(os.path.dirname(rl.check.__file__),\n"
                                  "                          '_bank_01.py')).read()"),
    # the collector and what it might rely on
    "patch_collector": ("blank", "import rooflib.check as c\n"
                                 "c.collect = lambda set_, ns: {q.name: {'source': 'variable', 'value': 1.0}\n"
                                 "                              for q in c.questions(set_)}"),
    "patch_recorded": ("blank", "import rooflib.check._transport as t\nt._RECORDED.update({'dot_flops': 8192.0})"),
    "patch_print_json": ("end", "import builtins, json\nbuiltins.print = lambda *a, **k: None\n"
                                "json.dumps = lambda *a, **k: '{}'"),
    "forge_marker": ("blank", "import json\nprint('__ROOFLIB_GRADE_RESULT__' + json.dumps("
                              "{'dot_flops': {'source': 'variable', 'value': 8192}}))"),
    "forge_marker_split": ("blank", "print('__ROOFLIB_' + 'GRADE_RESULT__' + '{\"dot_flops\": 8192}')"),
    "post_run_cell_hook": ("blank", "get_ipython().events.register(\n"
                                    "    'post_run_cell', lambda result: globals().update(dot_flops=2 * 4096))"),
    "hook_through_exec": ("blank", "exec(\"get_ipython().events.register('post_run_cell', lambda r: None)\")"),
    "sys_modules_swap": ("blank", "import sys, types\nfake = types.ModuleType('rooflib.check')\n"
                                  "fake.dot_flops = lambda value: print('PASS')\nsys.modules['rooflib.check'] = fake"),
    "frame_walk": ("blank", "import sys\nf = sys._getframe()\nwhile f.f_back is not None:\n    f = f.f_back"),
    "gc_walk": ("blank", "import gc\nfound = [o for o in gc.get_objects() if callable(o)]"),
    "audit_hook": ("blank", "import sys\nsys.addaudithook(lambda event, args: None)"),
    "read_report_fd": ("blank", "import os\nleaks = [open(f'/proc/self/fd/{fd}', 'rb').read(100)\n"
                                "         for fd in os.listdir('/proc/self/fd')]"),
    # the kernel and the machine
    "os_exit": ("middle", "import os\nos._exit(0)"),
    "fork_loop": ("middle", "import os\nfor _ in range(20):\n    pid = os.fork()\n"
                            "    if pid == 0:\n        os._exit(0)"),
    "spawn_loop": ("middle", "import subprocess\nfor _ in range(20):\n    subprocess.Popen(['sleep', '60'])"),
    "memory_30gb": ("middle", "import numpy as np\nbig = np.ones(30 * 10**9 // 8)"),
    "endless_output": ("middle", "while True:\n    print('spam ' * 200)"),
    "write_home": ("end", "import os\nwith open(os.path.expanduser('~/planted.txt'), 'w') as f:\n    f.write('x')"),
    "write_grader_home": ("end", "with open('{home}/planted_by_a_student.txt', 'w') as f:\n    f.write('x')"),
    "write_submissions": ("end", "with open('{folder}/planted.ipynb', 'w') as f:\n    f.write('{}')\n"
                                 "with open('{other}', 'a') as f:\n    f.write('x')"),
    "read_other_submission": ("end", "stolen = open('{other}').read()"),
    "network": ("end", "import urllib.request\nurllib.request.urlopen('http://1.1.1.1', timeout=3).read()"),
}
"""name -> (where the cell goes, its source)."""

MUST_FLAG = {"key_lookup", "check_oracle_search", "key_lookup_obfuscated", "key_via_private_module", "patch_collector",
             "patch_recorded", "forge_marker", "forge_marker_split", "post_run_cell_hook", "hook_through_exec",
             "sys_modules_swap", "frame_walk", "gc_walk", "audit_hook", "read_report_fd", "os_exit", "fork_loop",
             "patch_print_json", "copy_of_the_checker", "read_the_checker"}
"""Attacks that must end flagged (the rest may end with the honest score, flagged or not)."""

MIDDLE_AFTER = "dot_intensity"
"""A "middle" attack goes right after this question's check cell (Q4 of set 01)."""


def expected_honest(where, questions):
    """The honest auto-graded score when the attack's cell and all after it do not count (``questions``: set 01's)."""
    names = [q.name for q in questions]
    upto = {"blank": 0, "middle": names.index(MIDDLE_AFTER) + 1, "end": len(names)}[where]
    return float(sum(q.points for q in questions[:upto]))


def build(folder, root, home):
    """Write one submission per attack (and an honest other student's) into ``folder``; {name: path}."""
    from pathlib import Path

    import nbformat

    folder = Path(folder)
    other = folder / "other_student_01_terminology.ipynb"
    nbformat.write(nbformat.read(Path(root) / "solutions" / "01_terminology.ipynb", as_version=4), other)
    paths = {"other": other}
    for name, (where, code) in ATTACKS.items():
        base = "exercises" if where == "blank" else "solutions"
        nb = nbformat.read(Path(root) / base / "01_terminology.ipynb", as_version=4)
        source = code.replace("{other}", str(other)).replace("{folder}", str(folder)).replace("{home}", str(home))
        cell = nbformat.v4.new_code_cell(source)
        if where == "blank":
            at = next(i for i, c in enumerate(nb.cells) if "import rooflib as rl" in c.source) + 1
        elif where == "middle":
            at = 1 + next(i for i, c in enumerate(nb.cells)
                          if c.metadata.get("rooflib", {}).get("check") == MIDDLE_AFTER)
        else:
            at = len(nb.cells)
        nb.cells.insert(at, cell)
        paths[name] = folder / f"{name}_01_terminology.ipynb"
        nbformat.write(nb, paths[name])
    return paths
