"""Charts for the HTML reports (matplotlib, Agg), returned as inline SVG: same input, same bytes."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from capacity import overview
from capacity.io.layers import Registry
from capacity.reports.council import districts_figures
from capacity.reports.text import words

BAND_COLUMNS = ("month", "p10", "p90")


def occupancy_history(reg: Registry, date: dt.date) -> pd.DataFrame:
    """Residents on the first day of each month from the earliest move-in to ``date``, and the
    beds in service today (the registry holds no history of units)."""
    first = reg.occupancy["move_in"].min()
    start = pd.Timestamp(date if pd.isna(first) else first).to_period("M").to_timestamp()
    months = pd.date_range(start, pd.Timestamp(date), freq="MS")
    residents = [int(overview.open_occupancy(reg, m.date())["persons"].sum()) for m in months]
    beds = int(reg.units.loc[reg.units["in_service"].fillna(False), "beds"].sum())
    return pd.DataFrame({"month": months, "residents": residents, "beds": beds})


def occupancy_chart(reg: Registry, date: dt.date, band: pd.DataFrame | None = None,
                    lang: str = "da") -> str:
    """Occupancy against capacity by month, as SVG.

    Parameters
    ----------
    reg, date : the registry and the last month shown.
    band : optional scenario band with columns ``month``, ``p10``, ``p90`` (residents), drawn
        as the 10-90 % range of the scenario runs.
    lang : "da" or "en".
    """
    t = words(lang)
    history = occupancy_history(reg, date)
    fig, ax = _figure()
    ax.plot(history["month"], history["residents"], marker="o", color="#2166ac", label=t["residents"])
    ax.step(history["month"], history["beds"], where="post", color="#b2182b", label=t["beds"])
    if band is not None:
        missing = [c for c in BAND_COLUMNS if c not in band.columns]
        if missing:
            raise ValueError(f"band needs the columns {', '.join(BAND_COLUMNS)}")
        ax.fill_between(pd.to_datetime(band["month"]), band["p10"], band["p90"], color="#92c5de",
                        alpha=0.5, label="10–90 %")
    ax.set_ylabel(t["residents"])
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    return _svg(fig)


def district_chart(reg: Registry, date: dt.date | None = None, lang: str = "da") -> str:
    """Residents per district against the even-spread target (residents in proportion to the
    districts' population), as SVG bars."""
    t = words(lang)
    districts = districts_figures(reg, date)
    total, population = districts["residents"].sum(), districts["population"].sum()
    target = total * districts["population"].astype(float) / population if population else 0
    fig, ax = _figure(height=1.0 + 0.35 * len(districts))
    y = list(range(len(districts)))[::-1]
    ax.barh(y, districts["residents"], color="#4393c3", label=t["residents"])
    ax.scatter(target, y, marker="|", s=300, color="#b2182b", label=t["target"], zorder=3)
    ax.set_yticks(y, [str(n) for n in districts["name"]])
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right")
    return _svg(fig)


def _figure(height: float = 3.2):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "capacity"
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(7, height), dpi=100)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]
