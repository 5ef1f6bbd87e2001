"""Who handed a submission in: from a roster, an LMS download's file name, or the folder it sits in.

LMS downloads name each file after the student:

- Canvas: ``lastnamefirstname_12345_67890_02_roofline_derived.ipynb`` (login, user id, submission
  id, the file's own name; ``_LATE_`` after the login for a late one);
- Moodle: ``Ada Lovelace_12345_assignsubmission_file_02_roofline_derived.ipynb`` (full name,
  participant id).

``--name-pattern`` takes any regular expression with a ``student`` and/or an ``id`` group
instead. Without a match, a file inside a per-student folder (``submissions/ada/02_...ipynb``) is
that folder's student, and otherwise the student is the file's name. A roster (CSV) then maps the
id, login, email or name found to the student's name and LMS identifiers.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["Student", "LMS_PATTERNS", "load_roster", "identify"]

LMS_PATTERNS = (
    ("canvas", re.compile(r"^(?P<student>[^_]+)_(?:LATE_)?(?P<id>\d+)_(?P<submission>\d+)_(?P<file>.+)$", re.I)),
    ("moodle", re.compile(r"^(?P<student>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<file>.+)$")),
)
_COLUMNS = {"name": ("student", "name", "full name", "student name"),
            "lms_id": ("lms_id", "id", "canvas_id", "user_id", "participant", "identifier", "moodle_id"),
            "login": ("login", "sis login id", "sis_login_id", "username", "user"),
            "email": ("email", "email address", "e-mail"),
            "sis_id": ("sis_id", "sis user id", "sis_user_id", "student number", "student_number", "id number"),
            "section": ("section",)}


@dataclass(frozen=True)
class Student:
    """One student as the gradebooks need them: display name, LMS id, login, email, SIS id, section."""

    name: str
    lms_id: str = ""
    login: str = ""
    email: str = ""
    sis_id: str = ""
    section: str = ""
    on_roster: bool = False

    def keys(self) -> list[str]:
        """The strings a file name or folder may use for this student (lower case)."""
        return [k.strip().lower() for k in (self.lms_id, self.login, self.email, self.sis_id, self.name,
                                            self.name.replace(" ", "")) if k.strip()]


def load_roster(path: str | Path) -> dict[str, Student]:
    """A roster CSV (columns such as name, id, login, email, sis_id, section; any order) -> {key: Student}.

    ValueError naming the file when it has no usable column.
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"roster {str(path)!r} has no rows")
    header = {h.strip().lower(): h for h in rows[0] if h}
    pick = {field: next((header[c] for c in choices if c in header), None) for field, choices in _COLUMNS.items()}
    if not any(pick.values()):
        raise ValueError(f"roster {str(path)!r} has none of the columns name, id, login, email, sis_id "
                         f"(found {', '.join(header) or 'none'})")
    out: dict[str, Student] = {}
    for row in rows:
        values = {f: (row.get(col) or "").strip() if col else "" for f, col in pick.items()}
        student = Student(name=values["name"] or values["login"] or values["email"] or values["lms_id"],
                          **{f: v for f, v in values.items() if f != "name"}, on_roster=True)
        for key in student.keys():
            out.setdefault(key, student)
    return out


def identify(path: str | Path, root: str | Path | None = None, roster: dict[str, Student] | None = None,
             pattern: re.Pattern[str] | None = None) -> Student:
    """The student who handed in ``path`` (``root``: the folder given on the command line, if any)."""
    p = Path(path)
    found: Student | None = None
    for _, rx in ((("custom", pattern),) if pattern is not None else ()) + LMS_PATTERNS:
        m = rx.match(p.name)
        if m:
            groups = m.groupdict()
            found = Student(name=(groups.get("student") or groups.get("id") or p.stem).strip(),
                            lms_id=(groups.get("id") or "").strip())
            break
    if found is None and root is not None and p.parent.resolve() != Path(root).resolve():
        found = Student(name=p.parent.name)
    if found is None:
        found = Student(name=p.stem)
    if roster:
        for key in (found.lms_id, found.name, found.name.replace(" ", "")):
            hit = roster.get(key.strip().lower()) if key else None
            if hit is not None:
                return replace(hit, lms_id=hit.lms_id or found.lms_id)
    return found
