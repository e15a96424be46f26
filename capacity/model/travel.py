"""Minutes from each site to the station and to schools, and the districts covering each site.

A ``travel_minutes`` row (site x poi) wins; otherwise minutes are estimated from the straight-line
distance: ``distance_km * limits.detour_factor / limits.speed_kmh * 60``, rounded half up.
``station_minutes`` is the one definition of a site's minutes to the station: placement
(``site_minutes``) and the capacity plan (``capacity.planning.supply``) both use it.
"""

from __future__ import annotations

import math

import numpy as np

from capacity.io.layers import Registry


def estimate_minutes(metres: float, limits: dict) -> int:
    """Minutes for a straight-line distance, with the policy's detour factor and speed."""
    minutes = metres / 1000 * float(limits["detour_factor"]) / float(limits["speed_kmh"]) * 60
    return math.floor(minutes + 0.5)


def minutes_matrix(reg: Registry, limits: dict) -> dict[tuple[str, str], int]:
    """Minutes for every (site id, poi id), from ``travel_minutes`` where given."""
    given = {}
    if reg.travel_minutes is not None:
        given = {
            (str(r.site_id), str(r.poi_id)): math.floor(float(r.minutes) + 0.5)
            for r in reg.travel_minutes.itertuples()
        }
    # vectorised, with the very operations of ``estimate_minutes`` (same floats, same rounding)
    sx, sy = reg.sites.geometry.x.to_numpy(), reg.sites.geometry.y.to_numpy()
    px, py = reg.pois.geometry.x.to_numpy(), reg.pois.geometry.y.to_numpy()
    dx, dy = sx[:, None] - px[None, :], sy[:, None] - py[None, :]
    metres = np.sqrt(dx * dx + dy * dy)
    minutes = metres / 1000 * float(limits["detour_factor"]) / float(limits["speed_kmh"]) * 60
    table = np.floor(minutes + 0.5).astype(np.int64).tolist()
    sites, pois = [str(i) for i in reg.sites["id"]], [str(i) for i in reg.pois["id"]]
    out = {
        (s, p): v
        for s, row in zip(sites, table, strict=True)
        for p, v in zip(pois, row, strict=True)
    }
    out.update((k, v) for k, v in given.items() if k in out)
    return out


def station_minutes(
    reg: Registry, limits: dict, matrix: dict[tuple[str, str], int] | None = None
) -> dict[str, int]:
    """Whole minutes from every site to its nearest station (0 when there is no station).

    Each (site, station) pair is rounded half up first (``minutes_matrix``, a ``travel_minutes``
    row winning), then the nearest is taken.
    """
    matrix = minutes_matrix(reg, limits) if matrix is None else matrix
    pois = reg.pois
    stations = [str(i) for i in pois.loc[pois["kind"] == "station", "id"]]
    return {str(s): _nearest(matrix, str(s), stations) for s in reg.sites["id"]}


def site_minutes(reg: Registry, limits: dict) -> dict[str, tuple[int, int, int]]:
    """Per site: minutes to the nearest station, to its district's school, to receiving classes.

    The district's school is the school inside the site's school district (the nearest when
    several; the nearest school anywhere when none); receiving classes are the nearest school
    with ``receiving_classes``, else the district's school. Missing POIs give 0 minutes.
    """
    matrix = minutes_matrix(reg, limits)
    station = station_minutes(reg, limits, matrix)
    pois = reg.pois
    schools = pois[pois["kind"] == "school"]
    receiving = [
        str(i) for i in schools.loc[schools["receiving_classes"].fillna(False).astype(bool), "id"]
    ]
    school_districts = reg.districts[reg.districts["kind"] == "school"].sort_values("id")
    districts = dict(
        zip(school_districts["id"].astype(str), school_districts.geometry, strict=True)
    )
    local_schools = {  # schools inside each school district, computed once per district
        did: [str(i) for i in schools.loc[schools.geometry.covered_by(poly), "id"]]
        for did, poly in districts.items()
    }
    covering = covering_districts(reg)
    out = {}
    for s in reg.sites.itertuples():
        sid = str(s.id)
        near = station[sid]
        inside = [did for did, _ in covering.get(sid, ()) if did in districts]
        local = local_schools[inside[0]] if inside else []
        school = _nearest(matrix, sid, local or [str(i) for i in schools["id"]])
        out[sid] = (near, school, _nearest(matrix, sid, receiving) if receiving else school)
    return out


def covering_districts(reg: Registry) -> dict[str, list[tuple[str, str]]]:
    """Site id -> ``(district id, kind)`` of every district covering the site, by district id.

    One spatial-index query for all sites, not a ``covers`` filter per site.
    """
    districts = reg.districts.sort_values("id").reset_index(drop=True)
    if districts.empty or reg.sites.empty:
        return {}
    site_at, district_at = districts.sindex.query(reg.sites.geometry, predicate="covered_by")
    ids, kinds = districts["id"].astype(str).tolist(), districts["kind"].astype(str).tolist()
    sites = reg.sites["id"].astype(str).tolist()
    out: dict[str, list[tuple[str, str]]] = {}
    for i, j in sorted(zip(site_at.tolist(), district_at.tolist(), strict=True)):
        out.setdefault(sites[i], []).append((ids[j], kinds[j]))
    return out


def _nearest(matrix: dict[tuple[str, str], int], site: str, pois: list[str]) -> int:
    return min((matrix[(site, p)] for p in pois), default=0)
