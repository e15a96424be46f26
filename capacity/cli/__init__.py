"""The ``capacity`` command line: one typer app, a sub-command per job, grouped by user.

Heavy libraries (pandas, geopandas, ortools, folium) are imported inside the commands, so that
``capacity --help`` stays fast.
"""

from __future__ import annotations

from capacity.cli import (
    bench,
    convert,
    followup,
    generate,
    info,
    place,
    plan,
    proposal,
    report,
    review,
    scenarios,
    validate,
)
from capacity.cli.app import app, command

command("Jobberiet")(info.info)
command("Jobberiet")(review.review)
command("Jobberiet")(place.place)
command("Teknik og drift")(plan.plan)
command("Teknik og drift")(proposal.proposal)
command("Planlæggere")(scenarios.scenarios)
command("Byrådet")(report.report)
command("Byrådet")(followup.followup)
command("Data")(validate.validate)
command("Data")(convert.convert)
command("Data")(generate.generate)
command("Udvikling")(bench.bench)

__all__ = ["app"]
