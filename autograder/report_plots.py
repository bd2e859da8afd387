"""The class report's plots: Matplotlib figures as SVG data URIs (no file, no font or
script fetched by the page), each returned with its alt text."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on a grading server

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from autograder.report_data import Exercise  # noqa: E402

BINS = np.linspace(0, 100, 11)  # score bins of 10 percent
STYLE = {"svg.fonttype": "path", "svg.hashsalt": "dlbook-report", "font.size": 9}


@dataclass(frozen=True)
class Plot:
    """An image for an <img> element: its data URI and its alt text."""

    uri: str
    alt: str


def _encode(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_distribution(scores: dict[str, np.ndarray]) -> Plot:
    """One histogram per chapter of its notebooks' scores (percent, shape (notebooks,))."""
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(len(scores), 1, sharex=True, squeeze=False,
                                    figsize=(6, 0.3 + 1.1 * len(scores)))
        for ax, (chapter, values) in zip(axes[:, 0], scores.items(), strict=True):
            ax.hist(np.clip(values, 0, 100), bins=BINS, color="#4c72b0", edgecolor="white")
            ax.set_ylabel(chapter, rotation=0, ha="right", va="center")
            ax.yaxis.get_major_locator().set_params(integer=True)
        axes[-1, 0].set_xlabel("score (% of the chapter's points)")
        axes[-1, 0].set_xlim(0, 100)
        uri = _encode(figure)
    summary = "; ".join(f"{chapter}: {len(values)} notebooks, median {np.median(values):.0f}%"
                        for chapter, values in scores.items())
    return Plot(uri, f"Histograms of the notebooks' scores in percent, one per chapter. "
                     f"{summary}.")


def pass_rates(exercises: list[Exercise]) -> Plot:
    """A horizontal bar per exercise: the share of graded notebooks that passed it."""
    labels = [f"{exercise.assignment} · {exercise.label}" for exercise in exercises]
    rates = [100 * exercise.rate for exercise in exercises]
    with plt.rc_context(STYLE):
        figure, ax = plt.subplots(figsize=(6, 0.4 + 0.25 * len(exercises)))
        positions = np.arange(len(exercises))
        ax.barh(positions, rates, color="#55a868")
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("notebooks that passed (%)")
        uri = _encode(figure)
    lowest = min(exercises, key=lambda exercise: exercise.rate)
    return Plot(uri, f"Bar chart of the pass rate of each of the {len(exercises)} exercises; "
                     f"the lowest is {lowest.assignment} {lowest.label} at "
                     f"{100 * lowest.rate:.0f}%. The table below gives every number.")


def grading_times(seconds: dict[str, np.ndarray]) -> Plot:
    """A histogram of the seconds each notebook took, all chapters stacked."""
    every = np.concatenate(list(seconds.values()))
    bins = np.linspace(0, max(float(every.max()), 1.0), 21)
    with plt.rc_context(STYLE):
        figure, ax = plt.subplots(figsize=(6, 2.6))
        ax.hist(list(seconds.values()), bins=bins, stacked=True, label=list(seconds))
        ax.set_xlabel("seconds to grade one notebook")
        ax.set_ylabel("notebooks")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=7, frameon=False)
        uri = _encode(figure)
    return Plot(uri, f"Histogram of the time taken to grade each of the {every.size} notebooks, "
                     f"stacked by chapter: median {np.median(every):.1f} s, "
                     f"longest {every.max():.1f} s.")
