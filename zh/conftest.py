"""pytest in zh/ (the Chinese edition, built by tools/make_zh.py): nbval checks the stored outputs of the lecture
notebooks and solutions; the exercises are blank by design (their cells raise NotImplementedError), as in exercises/."""

collect_ignore_glob = ["exercises/*.ipynb"]
