"""Exercise solutions stay out of the student notebooks; the instructor copies are current."""
from __future__ import annotations

import nbformat
import pytest

from lstm_tutorial.io.errors import UsageError
from lstm_tutorial.tools import runner, solutions

FOLDER = runner.notebooks_dir()

EXERCISES = """## Exercises

1. **★ First.** Do this.

   *Expected:* a number.

<details><summary>Solution</summary>

```python
print(1)
```
</details>

2. **★★ Second.** Do that (no solution written).

3. **★★★ Third.** And this.

<details><summary>Solution</summary>

Think first.
</details>"""


def _student(tmp_path, source=EXERCISES):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 07 · A notebook"),
                nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", text="out\n")]),
                nbformat.v4.new_markdown_cell(source)]
    for k, cell in enumerate(nb.cells):
        cell.id = f"cell-{k}"
    path = tmp_path / "07_example.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("path", runner.find_notebooks(), ids=lambda p: p.stem)
def test_student_notebook_carries_no_solution(path):
    leaked = solutions.leaked_solutions(nbformat.read(path, as_version=4))
    assert not leaked, (f"{path.name}: cells {leaked} hold a <details> solution; run "
                        f"`python -m lstm_tutorial solutions --extract {path.name[:2]}` and commit notebooks/solutions/")


def test_instructor_copies_are_up_to_date():
    stale = [p for p in solutions.check(FOLDER) if "carry a solution" not in p]   # leaks: the test above
    assert not stale, "\n".join(stale)


def test_every_exercise_cell_has_its_solutions_in_the_copy():
    """A copy holds one solution block per section of its solutions file."""
    for source in sorted(solutions.solutions_dir(FOLDER).glob("*.md")):
        copies = list(solutions.solutions_dir(FOLDER).glob(f"{source.stem}_*.ipynb"))
        assert len(copies) == 1, f"{source.name} has no instructor copy"
        nb = nbformat.read(copies[0], as_version=4)
        blocks = sum(len(solutions.SOLUTION_BLOCK.findall(c.source)) for c in nb.cells if c.cell_type == "markdown")
        assert blocks == len(solutions.parse_solutions(source.read_text(encoding="utf-8")))


def test_extract_then_copy_gives_back_the_original_text(tmp_path):
    path = _student(tmp_path)
    original = nbformat.read(path, as_version=4)
    assert solutions.extract(path) == 2
    student = nbformat.read(path, as_version=4)
    assert solutions.leaked_solutions(student) == []
    assert "Think first" not in student.cells[2].source and "2. **★★ Second.**" in student.cells[2].source
    assert set(solutions.parse_solutions((tmp_path / "solutions" / "07.md").read_text())) == {1, 3}
    copy = solutions.instructor_copy(path)
    assert copy.cells[0].metadata["lstm_tutorial"]["instructor_copy"]
    assert [c.source for c in copy.cells[1:]] == [c.source for c in original.cells]
    assert copy.cells[2].outputs == []          # the outputs stay in the student notebook
    written = solutions.write_instructor_copies(tmp_path)
    assert written == [tmp_path / "solutions" / "07_example.ipynb"]
    assert solutions.check(tmp_path) == []


def test_check_names_a_stale_copy_and_a_leak(tmp_path):
    path = _student(tmp_path)
    solutions.extract(path)
    solutions.write_instructor_copies(tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += " (edited)"
    nb.cells[2].source += "\n\n<details><summary>Solution</summary>\n\nleaked\n</details>"
    nbformat.write(nb, path)
    problems = solutions.check(tmp_path)
    assert any("out of date" in p for p in problems) and any("carry a solution" in p for p in problems)


def test_a_numbered_lesson_map_is_not_an_exercise(tmp_path):
    """Only numbered items with stars are exercises; the old bold form ``**1. Title.**`` still counts."""
    marks = solutions.EXERCISE.findall("1. **The map** of sections\n2. more\n\n1. **★ One.** x\n\n**2. Two.** y")
    assert marks == ["1", "2"]


def test_a_solution_without_its_exercise_is_an_error(tmp_path):
    path = _student(tmp_path, "## Exercises\n\n**1. ★ Only one.**")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "07.md").write_text("## Exercise 1\n\nfine\n\n## Exercise 2\n\norphan\n")
    with pytest.raises(UsageError, match=r"\[2\]"):
        solutions.instructor_copy(path)
    with pytest.raises(UsageError, match="two solutions"):
        solutions.parse_solutions("## Exercise 1\n\na\n\n## Exercise 1\n\nb\n")
    with pytest.raises(UsageError, match="starts with"):
        solutions.parse_solutions("stray text\n## Exercise 1\n\na\n")
