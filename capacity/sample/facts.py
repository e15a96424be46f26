"""Real places in Allerød Kommune, copied as data from ``shared/facts/alleroed.md``.

Every row keeps its source and confidence from the facts file (``high`` | ``medium`` | ``low``).
Coordinates are WGS84 latitude/longitude; the sample reprojects them to EPSG:25832. Rows marked
``approximate`` are proxies or positions placed from a written description: replace them with
geocoded addresses before relying on them. The boundary and the five parishes are DAGI 2014
polygons (1:500,000) from ``github.com/Neogeografen/dagi`` (commit a1c1563a6484), stored here as
WKT so that the package is self-contained.
"""

from __future__ import annotations

from dataclasses import dataclass

MUNICIPALITY = "Allerød Kommune"
KOMMUNEKODE = "0201"
POPULATION = 26_128  # 1 Jan 2025, Statistics Denmark BY2, via en.wikipedia
POPULATION_SOURCE = (
    "Danmarks Statistik BY2, 1 Jan 2025, via en.wikipedia.org/wiki/Allerød_Municipality"
)
DAGI_SOURCE = (
    "DAGI/FOT 2014 (Geodatastyrelsen & Danske Kommuner), 1:500.000, "
    "via github.com/Neogeografen/dagi@a1c1563a6484"
)


@dataclass(frozen=True)
class Place:
    """A point of interest as the facts file gives it (WGS84)."""

    id: str
    name: str
    kind: str  # a poi kind of the data contract
    lat: float
    lon: float
    source: str
    confidence: str  # high | medium | low
    approximate: bool
    receiving_classes: bool | None = None


# fmt: off
PLACES: tuple[Place, ...] = (
    # Stations
    Place("ST-ALL", "Allerød St.", "station", 55.87111, 12.35694,
          "en.wikipedia.org/wiki/Allerød_railway_station; ru.wikipedia.org", "high", False),
    Place("ST-HOV", "Høvelte trinbræt", "station", 55.85083, 12.38806,
          "en.wikipedia 'Høvelte station' (iiab.me kiwix copy); few trains stop, on request",
          "high (position), medium (as a station)", False),
    # Town centres
    Place("TC-LIL", "Lillerød bymidte", "town_centre", 55.87111, 12.35694,
          "proxy: the centre grew up around Allerød St. (kommuneplan 'Bymønster og byformål'); "
          "the station coordinate is used", "medium", True),
    Place("TC-ENG", "Engholm (Vestcentret)", "town_centre", 55.86531, 12.33416,
          "proxy: Allerød Gymnasium coordinate (BetterLectio locations.ts); kommuneplan places "
          "gymnasium, Vestcentret and Engholm Skole together", "medium", True),
    Place("TC-BLO", "Blovstrød", "town_centre", 55.86917, 12.38472,
          "en.wikipedia 'Blovstrød' (55°52′09″N 12°23′05″E)", "high", False),
    Place("TC-LYN", "Lynge", "town_centre", 55.83972, 12.27306,
          "de.wikial.top 'Lynge, Allerød Municipality' (55°50′23″N 12°16′23″E)", "high", False),
    Place("TC-UGG", "Uggeløse", "town_centre", 55.8329, 12.2739,
          "proxy: area centroid of Uggeløse parish; the village lies about 1 km west of Lynge "
          "(trap.lex.dk/Lynge)", "low", True),
    Place("TC-NYM", "Nymølle", "town_centre", 55.82528, 12.30222,
          "en.wikipedia 'Nymølle, Allerød Municipality' (55°49′31″N 12°18′08″E)", "high", False),
    # Municipal centre; Jobberiet's own address was not found
    Place("JC-RAD", "Allerød Rådhus (Jobberiet, pladsholder)", "jobcentre", 55.8653, 12.3305,
          "Bjarkesvej 2; position derived: about 250 m west of Allerød Gymnasium "
          "(alleroed.lokalavisen.dk 2019-03-15). Jobberiet's address not found: the Rådhus "
          "(Borgerservice) is a placeholder", "low to medium (±300 m)", True),
    # Schools
    Place("SK-LVS", "Lillevang Skole, afd. Skovvang", "school", 55.8790, 12.3600,
          "approximation: no published coordinate; placed in central/northern Lillerød east of "
          "the railway (kommuneplan Skovvang bydel); receiving classes per the strategy",
          "low", True, True),
    Place("SK-LVL", "Lillevang Skole, afd. Lillerød", "school", 55.8725, 12.3500,
          "approximation: no published coordinate; placed next to the town centre (the former "
          "Lillerød Skole); receiving classes for the older year groups", "low", True, True),
    Place("SK-KEN", "Kratbjergskolen, afd. Engholm", "school", 55.8653, 12.3342,
          "proxy: Allerød Gymnasium coordinate (the school is next to it)", "low", True, False),
    Place("SK-KRA", "Kratbjergskolen, afd. Ravnsholt", "school", 55.8590, 12.3450,
          "approximation: no published coordinate; placed in southern Lillerød (kommuneplan "
          "Ravnsholt bydel); address Søparken 1 is weak", "low", True, False),
    Place("SK-BLO", "Blovstrød Skole", "school", 55.8692, 12.3847,
          "proxy: Blovstrød town coordinate (blovstroedskole.skoleporten.dk)", "low", True, False),
    Place("SK-LYN", "Lynge Skole", "school", 55.8397, 12.2731,
          "proxy: Lynge town coordinate; the school is north-east of Lynge Kirke "
          "(trap.lex.dk/Lynge)", "low", True, False),
    # Not in the facts: invented placeholders so that daycare and health terms have something
    Place("DI-LU", "Daginstitution Lynge-Uggeløse (omtrentlig)", "daycare", 55.8420, 12.2790,
          "invented placeholder: no daycare positions found; placed near Lynge Skole", "low", True),
    Place("DI-EN", "Daginstitution Engholm (omtrentlig)", "daycare", 55.8630, 12.3260,
          "invented placeholder: placed near Kratbjergskolen, afd. Engholm", "low", True),
    Place("DI-LI", "Daginstitution Lillerød (omtrentlig)", "daycare", 55.8745, 12.3430,
          "invented placeholder: placed near Lillevang Skole, afd. Lillerød", "low", True),
    Place("DI-SK", "Daginstitution Skovvang (omtrentlig)", "daycare", 55.8830, 12.3580,
          "invented placeholder: placed near Lillevang Skole, afd. Skovvang", "low", True),
    Place("DI-RA", "Daginstitution Ravnsholt (omtrentlig)", "daycare", 55.8560, 12.3410,
          "invented placeholder: placed near Kratbjergskolen, afd. Ravnsholt", "low", True),
    Place("DI-BL", "Daginstitution Blovstrød (omtrentlig)", "daycare", 55.8665, 12.3900,
          "invented placeholder: placed near Blovstrød Skole", "low", True),
    Place("HE-ALL", "Sundhedscenter (omtrentlig)", "health", 55.8690, 12.3530,
          "invented placeholder: no health centre position in the facts; placed by the centre",
          "low", True),
)
# fmt: on


@dataclass(frozen=True)
class Bydel:
    """A bydel (school district) of the kommuneplan with its school anchor and population."""

    code: str
    name: str
    school: str  # Place id of the school anchoring the district
    daycare: str  # Place id of the (invented) daycare institution
    population: int | None  # None: not found in the facts
    parishes: tuple[str, ...]  # parish codes the district is cut from
    description: str


_KP = "kommuneplan.alleroed.dk bydel pages (undated, 2013-2017 editions), approximate"

BYDELE: tuple[Bydel, ...] = (
    Bydel(
        "LU",
        "Lynge-Uggeløse",
        "SK-LYN",
        "DI-LU",
        5_100,
        ("7425", "7426"),
        "the western municipality: Lynge-Uggeløse, Vassingerød, Kollerød, Nymølle, Bastrup",
    ),
    Bydel(
        "EN",
        "Engholm",
        "SK-KEN",
        "DI-EN",
        5_000,
        ("7450", "9155"),
        "the western part of Lillerød-Blovstrød, 0.7-2.3 km from the station",
    ),
    Bydel(
        "LI",
        "Lillerød (med Stationsområde/Bymidte)",
        "SK-LVL",
        "DI-LI",
        None,
        ("7450", "9155"),
        "the old village and the centre; LS (Bymidte) is attached to Lillerød",
    ),
    Bydel(
        "SK",
        "Skovvang",
        "SK-LVS",
        "DI-SK",
        3_600,
        ("7450", "9155"),
        "the central and northern part of Lillerød east of the railway",
    ),
    Bydel("RA", "Ravnsholt", "SK-KRA", "DI-RA", None, ("7450", "9155"), "southern Lillerød"),
    Bydel(
        "BL",
        "Blovstrød",
        "SK-BLO",
        "DI-BL",
        2_600,
        ("7449",),
        "the east: Blovstrød, Høvelte barracks, Tokkekøb Hegn, Sønderskov",
    ),
)
BYDEL_SOURCE = _KP

# Town populations (1 Jan 2025 unless noted), used to split the municipal total over parishes.
TOWNS: dict[str, tuple[int, str, str]] = {
    # town: (population, parish code holding the town coordinate, source)
    "Lillerød": (16_756, "7450", "theinfolist.com copy of en.wikipedia (2025)"),
    "Lynge": (4_139, "7425", "qeeebo.com (2025)"),
    "Blovstrød": (3_004, "7449", "sagapedia.com/da/Blovstrød (2024)"),
    "Nymølle": (355, "7426", "swiki.se (2022)"),
}
# Of Lillerød town, this many are counted in Engholm parish (the Engholm bydel figure as a proxy).
ENGHOLM_SHARE_OF_LILLEROED = 5_000

BOUNDARY_WKT = (
    "POLYGON ((12.31845 55.88305, 12.31137 55.8875, 12.31053 55.89241, 12.32163 55.89067, "
    "12.35455 55.89614, 12.36088 55.89218, 12.36792 55.89612, 12.37312 55.89917, "
    "12.38174 55.8966, 12.38854 55.89696, 12.39755 55.88704, 12.40233 55.88687, "
    "12.40344 55.87948, 12.39812 55.8775, 12.42674 55.86741, 12.41695 55.86251, "
    "12.41284 55.85009, 12.40886 55.84748, 12.40169 55.85048, 12.39962 55.84661, "
    "12.40186 55.84236, 12.39652 55.84203, 12.39492 55.84139, 12.39278 55.83963, "
    "12.36844 55.8515, 12.36088 55.84992, 12.35488 55.83792, 12.31416 55.82428, "
    "12.32619 55.81236, 12.29715 55.81992, 12.26165 55.81627, 12.23822 55.8188, "
    "12.20744 55.82782, 12.20994 55.83235, 12.21592 55.83486, 12.218 55.83847, "
    "12.22549 55.83893, 12.22879 55.84287, 12.22983 55.84256, 12.2313 55.84582, "
    "12.23424 55.85338, 12.26265 55.85419, 12.26188 55.85813, 12.27857 55.86479, "
    "12.27965 55.87671, 12.27474 55.8823, 12.2998 55.88471, 12.3019 55.88631, "
    "12.30705 55.88136, 12.31561 55.88067, 12.31845 55.88305))"
)
PARISH_WKT: dict[str, tuple[str, str]] = {
    "7450": (
        "Lillerød",
        "POLYGON ((12.35078 55.86083, 12.35078 55.8653, 12.3401 55.86402, 12.33867 55.86817, "
        "12.32586 55.86945, 12.3223 55.87903, 12.32515 55.88063, 12.31874 55.88318, "
        "12.31162 55.88765, 12.3102 55.89244, 12.32159 55.89052, 12.35433 55.89627, "
        "12.36074 55.89212, 12.36786 55.89627, 12.37284 55.89915, 12.3821 55.89659, "
        "12.36644 55.88574, 12.37213 55.88031, 12.36359 55.87712, 12.36644 55.87616, "
        "12.35078 55.86083))",
    ),
    "7425": (
        "Lynge",
        "POLYGON ((12.2625 55.85413, 12.26179 55.85828, 12.27888 55.86466, 12.27959 55.8768, "
        "12.27461 55.88222, 12.29952 55.88478, 12.3102 55.87552, 12.32871 55.84997, "
        "12.31162 55.84678, 12.31589 55.84455, 12.30166 55.8305, 12.27318 55.8372, "
        "12.2625 55.85413))",
    ),
    "7449": (
        "Blovstrød",
        "POLYGON ((12.35078 55.86083, 12.36644 55.87616, 12.36359 55.87712, 12.37213 55.88031, "
        "12.36644 55.88574, 12.3821 55.89659, 12.3885 55.89691, 12.39776 55.88701, "
        "12.40203 55.88701, 12.40345 55.87935, 12.39847 55.87743, 12.42694 55.86754, "
        "12.41698 55.86243, 12.41271 55.84997, 12.40915 55.84742, 12.40203 55.85061, "
        "12.39989 55.84646, 12.40203 55.84231, 12.39633 55.84199, 12.39491 55.84135, "
        "12.39277 55.83976, 12.36857 55.85157, 12.36074 55.84997, 12.34793 55.85317, "
        "12.35078 55.86083))",
    ),
    "9155": (
        "Engholm",
        "POLYGON ((12.29952 55.88478, 12.30166 55.88637, 12.30735 55.88126, 12.31589 55.88063, "
        "12.31874 55.88318, 12.32515 55.88063, 12.3223 55.87903, 12.32586 55.86945, "
        "12.33867 55.86817, 12.3401 55.86402, 12.35078 55.8653, 12.35078 55.86083, "
        "12.34793 55.85317, 12.36074 55.84997, 12.35505 55.83784, 12.3401 55.84295, "
        "12.32871 55.84997, 12.3102 55.87552, 12.29952 55.88478))",
    ),
    "7426": (
        "Uggeløse",
        "POLYGON ((12.20983 55.83241, 12.21623 55.83497, 12.21766 55.83848, 12.22549 55.8388, "
        "12.22905 55.84295, 12.22976 55.84263, 12.23118 55.84582, 12.23403 55.85349, "
        "12.2625 55.85413, 12.27318 55.8372, 12.30166 55.8305, 12.31589 55.84455, "
        "12.31162 55.84678, 12.32871 55.84997, 12.3401 55.84295, 12.35505 55.83784, "
        "12.31447 55.82443, 12.32586 55.8123, 12.29739 55.81996, 12.26179 55.81613, "
        "12.2383 55.81868, 12.20769 55.82794, 12.20983 55.83241))",
    ),
}
