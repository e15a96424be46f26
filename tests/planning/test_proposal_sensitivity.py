"""The sensitivity's sentence compares each variation with its own base (the same runs, nothing
changed), not with the paper's recommendation on all its runs; when the base already recommends
another option, the paper says so once and names only what changes the base's."""

from __future__ import annotations

from capacity.planning.sensitivity import Case, Sensitivity


def case(assumption: str, value: float, recommended: str, condition: str) -> Case:
    return Case(assumption, value, f"{assumption} {value}", condition, {}, {}, recommended)


BASE_G = case("base", 1.0, "G", "som forudsat")
CASES = (
    case("stay", 0.7, "G", "hvis opholdene er 30 % kortere"),
    case("wave", 0.0, "A", "hvis bølgen ikke kommer"),
    case("wave", 0.1, "A", "hvis bølgen kun kommer med 10 %"),
    case("wave", 0.5, "G", "hvis bølgen kun kommer med 50 %"),
    case("rent", 0.8, "G", "hvis lejen er 20 % lavere"),
    case("rent", 1.2, "G", "hvis lejen er 20 % højere"),
)


def test_a_variation_that_keeps_the_bases_recommendation_is_no_change():
    """The paper recommends B; the sensitivity's own runs already recommend G, and so do both
    rents: rent changes nothing, only the wave does."""
    s = Sensitivity(125, "B", BASE_G, CASES)
    assert s.sentence() == (
        "Følsomhedens anbefaling skifter fra G til A, hvis sandsynligheden for bølgen er 0 % "
        "eller 10 %; i de øvrige prøvede tilfælde står den fast."
    )
    assert "lejen" not in s.sentence()
    assert s.caveat() == (
        "På de 125 kørsler, som følsomheden bruger, anbefales mulighed G allerede uden "
        "ændringer, mod B i indstillingen: valget mellem B og G afhænger af, hvilke kørsler der "
        "trækkes, og ændringerne nedenfor sammenlignes med G."
    )


def test_a_variation_back_to_the_papers_recommendation_is_a_change_from_the_base():
    s = Sensitivity(
        125, "B", BASE_G, (*CASES[:-1], case("rent", 1.2, "B", "hvis lejen er 20 % højere"))
    )
    assert s.sentence().startswith("Følsomhedens anbefaling skifter fra G til A, hvis")
    assert "til B, hvis lejen er 20 % højere" in s.sentence()


def test_when_the_base_agrees_with_the_paper_the_sentence_is_unchanged():
    base = case("base", 1.0, "B", "som forudsat")
    s = Sensitivity(
        125,
        "B",
        base,
        tuple(
            c if c.recommended == "A" else case(c.assumption, c.value, "B", c.condition)
            for c in CASES
        ),
    )
    assert s.caveat() == ""
    assert s.sentence() == (
        "Anbefalingen skifter fra B til A, hvis sandsynligheden for bølgen er 0 % eller 10 %; i "
        "de øvrige prøvede tilfælde står den fast."
    )
    same = Sensitivity(
        125, "B", BASE_G, tuple(case(c.assumption, c.value, "G", c.condition) for c in CASES)
    )
    assert same.sentence().startswith("Følsomhedens anbefaling (mulighed G) står fast i alle")
