"""The proposal's rule for recommending an option, and the intervals it rests on.

The recommendation is the cheapest option within the accepted risk, else the least risky; where
the difference that decides rests inside the noise (a paired 95 % interval over the common
runs), the cheaper is preferred and the reasons say so. The options are ``proposal.Option``s
(anything with ``key, title, total, total_ci, risk, risk_ci, short, totals, plan_cost,
emergency_cost, plan``); the sensitivity analysis applies the same rule to varied options.
"""

from __future__ import annotations

import math

import numpy as np

from capacity.planning.explain import month_name, pct
from capacity.reports.text import money

Z = 1.96  # two-sided 95 % normal quantile


def wilson(p: float, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a share ``p`` of ``n`` runs."""
    if n <= 0:
        return (0.0, 1.0)
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def mean_ci(x: np.ndarray) -> tuple[float, float]:
    """95 % normal interval of the mean of ``x``."""
    x = np.asarray(x, dtype=float)
    m = float(x.mean())
    half = Z * float(x.std(ddof=1)) / math.sqrt(len(x)) if len(x) > 1 else 0.0
    return (m - half, m + half)


def within_noise(a: np.ndarray, b: np.ndarray) -> bool:
    """The paired difference of ``a`` and ``b`` (run by run) has a 95 % interval holding 0."""
    if len(a) == 0 or len(a) != len(b):
        return False
    lo, hi = mean_ci(np.asarray(a, float) - np.asarray(b, float))
    return lo <= 0 <= hi


def recommend(options: tuple, risk: float) -> tuple[str, list[str]]:
    """The cheapest option within the accepted risk (else the safest; a cheaper one whose risk
    differs only inside the noise is preferred), with reasons in Danish."""
    accepted = 1 - risk
    ok = [o for o in options if o.risk <= accepted + 1e-12]
    noise: list[str] = []
    if ok:
        best = min(ok, key=lambda o: (o.total, o.key))
    else:
        best = min(options, key=lambda o: (o.risk, o.total, o.key))
        tie = [o for o in options if o.total < best.total and within_noise(o.short, best.short)]
        if tie:
            safest = best
            best = min(tie, key=lambda o: (o.total, o.key))
            noise.append(
                f"Mulighed {safest.key} har en lidt lavere risiko ({pct(safest.risk, 0)} mod "
                f"{pct(best.risk, 0)}), men forskellen ligger inden for usikkerheden; den billigere "
                f"mulighed {best.key} foretrækkes."
            )
    lo, hi = best.total_ci
    start = getattr(best, "risk_from", 0)
    since = f" fra {month_name(sorted(set(best.plan.plan['month']))[start])}" if start else ""
    # households no module type's home fits are left out of the risk (``Option.risk``)
    apart = getattr(best, "set_apart", False)
    whose = " for husstande, som en modultype passer til" if apart else ""
    everyone = f"; med alle husstande {pct(best.risk_all, 0)}" if apart else ""
    reasons = [
        f"Mulighed {best.key} ({best.title.lower()}) koster forventet {money(best.total)} i alt "
        f"(95 %-interval {money(lo)} – {money(hi)}): {money(best.plan_cost)} til pavilloner og "
        f"{money(best.emergency_cost)} til nødindkvartering.",
        f"Risikoen for mangel i mindst én måned{since} er {pct(best.risk, 0)}{whose} "
        f"(95 %-interval {pct(best.risk_ci[0], 0)} – {pct(best.risk_ci[1], 0)}; "
        f"accepteret: højst {pct(accepted, 0)}){everyone}.",
        *noise,
    ]
    if not ok:
        reasons.append("Ingen mulighed holder risikoen under det accepterede niveau.")
    for o in options:
        if o.key == best.key:
            continue
        verb = "dyrere" if o.total > best.total else "billigere"
        text = (
            f"Mulighed {o.key} er {money(abs(o.total - best.total))} {verb} med "
            f"risiko {pct(o.risk, 0)}"
        )
        if within_noise(o.totals, best.totals) and o.total != best.total:
            text += "; forskellen i omkostning ligger inden for usikkerheden"
        reasons.append(text + ".")
    return best.key, reasons
