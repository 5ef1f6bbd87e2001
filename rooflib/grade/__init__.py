"""Grade exercise submissions: ``python -m rooflib.grade SUBMISSIONS... --out grades.csv [--jobs N]``.

How grading works
-----------------
1. Each submission is read, never written (a corrupt file is a 0/max row in its set), its exercise
   set found (``--set``, ``metadata.rooflib.exercise_set``, the file name, LMS download names
   included, or its questions' names) and its student named (``--roster``, ``--name-pattern``,
   Canvas / Moodle download names, or the per-student folder).
2. Its code cells are read for tamper evidence before anything runs (:mod:`._scan`).
3. It runs in a fresh ``python3`` kernel inside a bubblewrap sandbox (:mod:`._sandbox`): no network,
   a private temporary home and working folder, a read-only system, no view of other
   submissions or of the grader's files, limits on memory, CPU time, processes, open files and
   output. Without bwrap the run is unsandboxed and the CSV and stderr say so.
4. Before the first student cell a collector (:mod:`._collector`) is installed in the kernel: it
   holds its own references, never imports ``rooflib.check``, and reports the answers before every
   cell and what it saw (interpreter internals, hooks, module swaps, processes, files outside the
   folder, network) in an HMAC-signed file only it can sign. A kernel that ends early, output
   carrying the grader's marker or an unsigned report line is tamper evidence too.
5. The grader scores the answers in its own process with :func:`rooflib.check.evaluate`. A flagged
   submission scores only the answers that stood before its first flagged cell, with the reason
   and the cell (cell N = the N-th cell of the file, markdown included) in the CSV.
6. Outputs: the grades CSV (one row per submission, written answers' columns left for the
   instructor), a summary dict (:func:`summary`) printed as a table, and on request one HTML
   feedback page per submission, Canvas / Moodle gradebook CSVs, the written answers for
   hand-marking (merged back with ``python -m rooflib.grade merge``) and a collusion report.
``python -m rooflib.grade check-env`` checks an installed environment without creating anything.
"""

from ._checkenv import check_environment, format_checks
from ._cli import expand, main
from ._execute import MARKER, Limits
from ._feedback import write_feedback
from ._grade import DEFAULT_CELL_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, grade_many, grade_notebook
from ._identity import Student, identify, load_roster
from ._model import STATUSES, Grade
from ._notebook import find_set
from ._report import summary, summary_text, write_csv, write_lms
from ._sandbox import probe as sandbox_status
from ._scan import rooflib_aliases, scan
from ._similarity import Pair, similarity, write_similarity
from ._written import export_written, merge_manual, read_grades

__all__ = ["Grade", "STATUSES", "Limits", "Student", "Pair", "MARKER", "DEFAULT_CELL_TIMEOUT", "DEFAULT_TOTAL_TIMEOUT",
           "grade_notebook", "grade_many", "find_set", "identify", "load_roster", "write_csv", "summary",
           "summary_text", "write_lms", "write_feedback", "similarity", "write_similarity", "export_written",
           "read_grades", "merge_manual", "check_environment", "format_checks", "sandbox_status", "scan",
           "rooflib_aliases", "expand", "main"]
