"""One meaning per symbol (issue 20): the glossary lists the symbols the chapters define,
and the notations that clashed with another chapter's stay retired.

The glossary's terms are the unindented lines of its ```{glossary} blocks. Which symbols a
chapter defines is not mechanically recoverable from its prose, so the list below names
them; each retired notation is a pattern that must not appear inside the LaTeX ($...$) of a
chapter's markdown.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_tools import read

from autograder.course import course_notebooks

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "glossary.md"

# Symbols each chapter defines and uses beyond one derivation, by glossary term.
DEFINED = {
    "02_forward": ["B", "n", "n_in", "n_out", "n_w", "D", "X", "W", "b", "Z", "A", "d", "q"],
    "04_gradcheck": ["eps", "a-tilde", "d"],
    "05_backprop": ["delta", "ell", "L"],
    "06_sgd": ["theta", "lr", "t", "N", "H (Hessian)", "lambda", "kappa", "rho", "velocity",
               "beta", "beta1", "beta2", "m", "r", "epsilon_Adam", "K", "K_w", "g_S"],
    "07_boltzmann": ["s", "U", "E", "gamma", "T (temperature)", "Z (partition function)", "v",
                     "h", "c", "F", "persistent chains"],
    "08_capstone": ["Delta", "L-bar", "custom gradient", "gradient tape", "tf.function",
                    "XLA", "mixed precision", "loss scaling"],
    "09_convolution": ["H, W (image size)", "C_in, C_out", "c (channel)", "K (kernel)",
                       "k_h, k_w", "u, v (offsets)", "s (stride)", "p (padding)",
                       "q (pooling window)", "r (receptive field)", "im2col"],
    "10_recurrent": ["T (sequence length)", "D (inputs per step)", "H (hidden units)",
                     "t (time step)", "x_t, h_t", "W_x, W_h", "G_t", "BPTT",
                     "rho(W_h) (spectral radius)", "tau (clipping limit)", "c_t (cell state)",
                     "i, f, g, o (gates)"],
}

# Notations retired because another chapter gives the letter another meaning.
RETIRED = [
    ("02_forward", r"(?<![A-Za-z\\_])P(?![A-Za-z_])", "P is the probability matrix; count "
     "parameters with d"),
    ("02_forward", r"(?<![A-Za-z\\_])s(?![A-Za-z_])", "s is a state (chapter 7); bytes per "
     "number are q"),
    ("04_gradcheck", r"(?<![A-Za-z\\_])n(?![A-Za-z_])", "n is the example index; the "
     "numerical gradient is a-tilde"),
    ("04_gradcheck", r"\dP\b|\bP = \d|\(B, P\)|P \+ 1", "count parameters with d (P is the "
     "probability matrix)"),
    ("05_backprop", r"/n(?![A-Za-z_])", "the fan-in is n_in"),
    ("06_sgd", r"\\mathbf s", "Adam's second moment is r (s is chapter 7's state)"),
    ("06_sgd", r"(?<![A-Za-z\\_])T(?![A-Za-z])", "T is chapter 7's temperature; the schedule "
     "runs K steps with K_w of warm-up"),
    ("07_boltzmann", r"(?<![A-Za-z\\_])n(?![A-Za-z_])", "a machine has U units (n is the "
     "example index)"),
    ("08_capstone", r"(?<![A-Za-z\\_])g(?![A-Za-z_])", "the loss's upstream gradient is "
     "L-bar (g_S is chapter 6's mini-batch gradient)"),
    ("07_boltzmann", r"(?<![A-Za-z\\_])C(?![A-Za-z_])", "C is the number of classes; PCD "
     "has N_c chains"),
]


def glossary_terms() -> list[str]:
    terms, inside = [], False
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("```{glossary}"):
            inside = True
        elif line.startswith("```"):
            inside = False
        elif inside and line.strip() and not line.startswith(" "):
            terms.append(line.strip())
    return terms


def chapter_math(assignment: str) -> list[str]:
    notebook = next(nb for nb in course_notebooks() if nb.assignment == assignment)
    segments = []
    for cell in read(notebook.source).cells:
        if cell.cell_type == "markdown":
            segments += re.findall(r"\$\$?[^$]+\$\$?", cell.source)
    return segments


def test_glossary_terms_are_unique():
    terms = glossary_terms()
    assert len(terms) == len(set(terms)), sorted(t for t in terms if terms.count(t) > 1)


@pytest.mark.parametrize("assignment", sorted(DEFINED))
def test_glossary_lists_every_symbol_a_chapter_defines(assignment):
    missing = sorted(set(DEFINED[assignment]) - set(glossary_terms()))
    assert not missing, f"{assignment}: glossary.md has no entry for {missing}"


@pytest.mark.parametrize(("assignment", "pattern", "reason"), RETIRED,
                         ids=[f"{a}-{p}" for a, p, _ in RETIRED])
def test_retired_notation_stays_retired(assignment, pattern, reason):
    found = [segment for segment in chapter_math(assignment) if re.search(pattern, segment)]
    assert not found, f"{assignment}: {reason}; found in {found[:3]}"


def test_the_checks_can_fail():
    assert re.search(RETIRED[0][1], "$s \\cdot P$")
    assert re.search(RETIRED[5][1], "$\\hat{\\mathbf s}_t$")
    assert "no such term" not in glossary_terms()
