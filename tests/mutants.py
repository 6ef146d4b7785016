"""`make mutants`: break the code on purpose, one change at a time, and check that some test notices.

Each mutant is one exact text replacement in one file. The script copies the working tree (the files git knows
of, tracked or not ignored) to a temporary folder, runs each mutant's tests there with the project's own Python
and reports KILLED (a test failed, as it should) or SURVIVED (no test noticed: a missing test). A replacement
whose text is no longer in the file stops the run, so the list cannot rot silently. Not part of `make test`.

    .venv/bin/python tests/mutants.py [--list] [NAME ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TIMEOUT = 900  # seconds for one mutant's tests


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    also: tuple[tuple[str, str, str], ...] = ()  # further (path, old, new), for a change of two places

    def edits(self) -> list[tuple[str, str, str]]:
        return [(self.path, self.old, self.new), *self.also]


F = "tests/functional/"
MUTANTS = [
    Mutant(
        "sign-out ends no session",
        "ideas_portal/auth/routes.py",
        "    accounts.end_all_sessions(current_user._get_current_object())  # old remember cookies stop working\n"
        "    logout_user()\n    session.clear()\n",
        "",
        (
            F + "test_accounts.py::test_remember_cookie_stops_working_after_logout",
            F + "test_sign_out.py::test_sign_out_leaves_the_browser_anonymous",
        ),
    ),
    Mutant(
        "sign-out keeps old remember cookies",
        "ideas_portal/auth/routes.py",
        "    accounts.end_all_sessions(current_user._get_current_object())  # old remember cookies stop working\n",
        "",
        (F + "test_accounts.py::test_remember_cookie_stops_working_after_logout",),
    ),
    Mutant(
        "CSRF protection off",
        "ideas_portal/__init__.py",
        "    csrf.init_app(app)\n",
        "",
        (F + "test_errors.py::test_forms_need_a_csrf_token", F + "test_sign_out.py::test_sign_out_needs_a_csrf_token"),
    ),
    Mutant(
        "CSRF exemption broadened to the sign-in pages",
        "ideas_portal/api/__init__.py",
        "    csrf.exempt(bp)  #",
        "    from ..auth import bp as auth_bp\n    csrf.exempt(auth_bp)\n    csrf.exempt(bp)  #",
        (F + "test_sign_out.py::test_sign_out_needs_a_csrf_token",),
    ),
    Mutant(
        "staff check removed from contest pages",
        "ideas_portal/contests/staff.py",
        '@requires("contest.manage")\ndef new():\n',
        "def new():\n",
        (
            F + "test_contest_results.py::test_staff_pages_create_review_and_close_a_contest",
            F + "test_access_matrix.py",
        ),
    ),
    # The API view, the HTML view and the contest service all ask this one rule.
    Mutant(
        "anyone may run contests",
        "ideas_portal/policy.py",
        '"contest.manage": Rule(_staff,',
        '"contest.manage": Rule(lambda user, obj: True,',
        (
            F + "test_contests.py::test_staff_can_patch_a_contest_members_cannot",
            F + "test_contests.py::test_create_contest_needs_staff",
        ),
    ),
    Mutant(
        "a webhooks page left unguarded",
        "ideas_portal/webhooks/routes.py",
        '@requires("webhooks.manage")\ndef deliveries(',
        "def deliveries(",
        (F + "test_access_matrix.py",),
    ),
    Mutant(
        "the staff rule lets members in",
        "ideas_portal/policy.py",
        "    return bool(user.is_staff)\n",
        "    return True\n",
        (F + "test_moderation_access.py", F + "test_access_matrix.py"),
    ),
    Mutant(
        "CSV export reads its rows on the request's session",
        "ideas_portal/services/contests/entrants_csv.py",
        "        with engine.connect() as conn:\n",
        "        with db.session.connection() as conn:\n",
        (
            F + "test_contest_results.py::test_entrants_csv_is_staff_only_with_consented_emails_and_formula_safe_cells",
            F + "test_contest_results.py::test_staff_download_the_entrants_csv_from_gunicorn_across_many_batches",
        ),
    ),
    Mutant(
        "vote counter not updated",
        "ideas_portal/services/voting.py",
        "upvotes=IDEAS.c.upvotes + d_up, downvotes=IDEAS.c.downvotes + d_down,",
        "upvotes=IDEAS.c.upvotes, downvotes=IDEAS.c.downvotes,",
        (F + "test_votes.py::test_up_vote_then_switch_then_withdraw",),
    ),
    Mutant(
        "rate limit keyed per token, not per member",
        "ideas_portal/extensions.py",
        '        return f"user:{api_user.id}"\n',
        '        return f"token:{g.api_token_id}"\n',
        (F + "test_rate_limits.py::test_a_second_token_does_not_double_the_limit",),
    ),
    Mutant(
        "members may choose the official response",
        "ideas_portal/policy.py",
        '"comment.answer_officially": Rule(_staff,',
        '"comment.answer_officially": Rule(lambda user, obj: True,',
        (F + "test_comments.py::test_member_cannot_mark_official",),
    ),
    Mutant(
        "merge undo leaves the idea merged",
        "ideas_portal/services/merges.py",
        "    source.merged_into_id = None\n",
        "",
        (F + "test_merge.py::test_undo_merge_restores_everything",),
    ),
    Mutant(
        "any Host header trusted",
        "ideas_portal/hosts.py",
        "    if host is None or host[0] not in trusted_hosts(config):\n",
        "    if host is None:\n",
        (F + "test_hosts.py",),
    ),
    Mutant(
        "members may vote for their own entry",
        "ideas_portal/policy.py",
        '"entry.vote": Rule(_not_author,',
        '"entry.vote": Rule(lambda user, obj: True,',
        (F + "test_contest_results.py::test_voting_through_the_entry_page",),
    ),
    Mutant(
        "another member may open an idea's edit form",
        "ideas_portal/ideas/routes.py",
        '@requires("idea.edit", load=lookup.idea)\n',
        "@login_required\n",
        (F + "test_ideas.py::test_only_the_author_can_edit",),
    ),
    Mutant(
        "sign-in redirects to other sites",
        "ideas_portal/redirects.py",
        'if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):',
        "if parts.scheme:",
        (F + "test_accounts.py::test_login_redirects_only_to_our_own_site",),
    ),
]


def copy_tree(dest: Path) -> None:
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():  # a tracked file may be deleted in the working tree
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def mutate(tree: Path, mutant: Mutant) -> dict[Path, str]:
    """The mutated text of each file the mutant changes, read from `tree`."""
    changed: dict[Path, str] = {}
    for path, old, new in mutant.edits():
        target = tree / path
        text = changed.get(target) or target.read_text()
        count = text.count(old)
        if count != 1:
            raise SystemExit(
                f"mutant {mutant.name!r}: its text occurs {count} times in {path}, not once; "
                f"update tests/mutants.py to the code as it is now:\n{old}"
            )
        changed[target] = text.replace(old, new)
    return changed


def run_tests(tree: Path, tests, env) -> tuple[int, float, str]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *tests],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        rc, out = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        rc, out = -1, f"timed out after {TIMEOUT}s: {exc}"
    return rc, time.monotonic() - started, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="run only mutants whose name contains one of these")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.names or any(n.lower() in m.name.lower() for n in args.names)]
    if args.list or not chosen:
        for m in MUTANTS:
            print(f"{m.name}  ({m.path})")
        return 0 if chosen else 2
    for m in chosen:  # every anchor is checked before anything runs
        mutate(ROOT, m)

    with tempfile.TemporaryDirectory(prefix="ideas-mutants-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "FLASK_"))}
        env["PYTHONPATH"] = str(tree)  # the copy's package, not the editable install of the checkout
        where = subprocess.run(
            [str(PYTHON), "-c", "import ideas_portal; print(ideas_portal.__file__)"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not where.startswith(str(tree)):
            raise SystemExit(f"the copy imports ideas_portal from {where}, not from {tree}")

        baseline = sorted({t for m in chosen for t in m.tests})
        rc, took, out = run_tests(tree, baseline, env)
        if rc != 0:
            print(out[-5000:])
            raise SystemExit(f"the unmutated code fails its own tests (exit {rc}): fix that first")
        print(f"baseline: {len(baseline)} test selections pass unmutated ({took:.0f} s)\n")

        results = []
        for m in chosen:
            mutated = mutate(tree, m)
            originals = {target: target.read_text() for target in mutated}
            for target, text in mutated.items():
                target.write_text(text)
            try:
                rc, took, out = run_tests(tree, m.tests, env)
            finally:
                for target, text in originals.items():
                    target.write_text(text)
            verdict = {0: "SURVIVED", 1: "KILLED"}.get(rc, f"ERROR (exit {rc})")
            failed = next((line for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))), "")
            results.append((m, verdict, took, failed))
            print(f"{verdict:<9} {took:5.0f} s  {m.name}", flush=True)
            if verdict.startswith("ERROR"):
                print(out[-3000:])

    print("\n| mutant | file | result | caught by |\n|---|---|---|---|")
    for m, verdict, _, failed in results:
        print(f"| {m.name} | {m.path} | {verdict} | {failed.split(' - ')[0].removeprefix('FAILED ') or '-'} |")
    survived = [m.name for m, verdict, _, _ in results if verdict != "KILLED"]
    print(f"\n{len(results) - len(survived)} of {len(results)} mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
